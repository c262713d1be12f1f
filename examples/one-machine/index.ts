/**
 * One web server. Which cloud it runs on is the stack's choice (`machina:provider` in
 * Pulumi.<stack>.yaml): the program is the same for every provider.
 */
import * as pulumi from "@pulumi/pulumi";
import { Machine, type MachineArgs } from "pulumi-machina";

const config = new pulumi.Config();
// `size` in the stack's config is a class (`small`) or an object (`{ cpus: 2, memoryGiB: 4 }`), which
// Pulumi hands over as JSON.
const size = config.get("size") ?? "small";

const web = new Machine("web", {
  size: (size.startsWith("{") ? JSON.parse(size) : size) as MachineArgs["size"],
  image: "ubuntu-24.04",
  sshKeys: config.getObject<string[]>("sshKeys") ?? [],
  userData: "#cloud-config\npackages: [nginx]\n",
  ports: [80, 443],
  labels: { app: "web" },
  waitForReady: true,
});

export const provider = web.provider;
export const type = web.type;
export const ip = web.publicIp;
export const ssh = web.ssh;
