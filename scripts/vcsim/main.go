// Command vcsim serves VMware's vCenter simulator (govmomi's simulator package, VPX model) on a
// loopback address for Machina's vsphere test tier, with the vAPI REST endpoints (tags) enabled.
// It prints one line, `VCSIM_URL=<url>`, once it listens, and stops on SIGINT/SIGTERM or when its
// standard input closes (so a test runner that dies takes the simulator with it).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	username := flag.String("username", "", "the only user name accepted (any when empty)")
	password := flag.String("password", "", "the only password accepted (any when empty)")
	exitOnStdinClose := flag.Bool("stdin-exit", false, "stop when standard input closes")
	taskDelay := flag.String("task-delay", "", "milliseconds each named task waits before it runs, as name:ms,... with vcsim's task names (CloneVm:8000)")
	flag.Parse()

	if *taskDelay != "" {
		// LockHandoff 0: the task's object stays readable while the task runs, as on vCenter.
		delays := map[string]int{"LockHandoff": 0}
		for _, entry := range strings.Split(*taskDelay, ",") {
			name, ms, ok := strings.Cut(strings.TrimSpace(entry), ":")
			n, err := strconv.Atoi(ms)
			if !ok || err != nil {
				log.Fatalf("-task-delay: %q is not name:milliseconds", entry)
			}
			delays[name] = n
		}
		simulator.TaskDelay.MethodDelay = delays
	}

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()

	endpoint := &url.URL{Host: *listen}
	if *username != "" {
		endpoint.User = url.UserPassword(*username, *password)
	}
	model.Service.Listen = endpoint
	model.Service.RegisterEndpoints = true
	model.Service.TLS = new(tls.Config)
	server := model.Service.NewServer()
	defer server.Close()

	fmt.Printf("VCSIM_URL=%s\n", server.URL)
	_ = os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	if *exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}
	<-stop
}
