/**
 * A development machine on this computer: a Debian guest on libvirt that serves a page on port 8080,
 * reachable at a port on 127.0.0.1. It needs no network: the guest image is built offline.
 */
import * as pulumi from "@pulumi/pulumi";
import { Machine } from "pulumi-machina";

const config = new pulumi.Config();
const page = config.get("page") ?? "hello from machina";

const dev = new Machine("dev", {
  provider: "libvirt",
  size: "small",
  image: config.get("image") ?? "debian-12-offline",
  sshKeys: config.getObject<string[]>("sshKeys") ?? [],
  userData: [
    "#cloud-config",
    "write_files:",
    "  - path: /srv/www/index.html",
    `    content: ${JSON.stringify(page)}`,
    "runcmd:",
    "  - [sh, -c, 'cd /srv/www && nohup python3 -m http.server 8080 >/dev/null 2>&1 &']",
    "",
  ].join("\n"),
  ports: [8080],
  // `up` returns once the web server answers through its forward, not only when the guest is up.
  waitForReady: { port: 8080, timeoutSeconds: 600 },
});

/** The user-mode network forwards each guest port to a free port on 127.0.0.1. */
const forwards = dev.details.apply((d) => (d.forwardedPorts ?? {}) as Record<string, number>);
export const url = forwards.apply((f) => `http://127.0.0.1:${f["tcp/8080"]}/`);
export const ssh = dev.ssh;
