/**
 * Consuming another stack's machines: a monitoring machine reads the fleet stack's uniform outputs
 * (examples/fleet exports `addresses` and `ssh` by machine) through a StackReference, opens its metrics
 * port to exactly those addresses, and re-exports what it watches. The sources are an Output: Machina
 * checks them when the reference resolves, naming the field if one is not an address.
 */
import * as pulumi from "@pulumi/pulumi";
import { Machine } from "pulumi-machina";

const config = new pulumi.Config();
const fleet = new pulumi.StackReference(config.require("fleetStack")); // e.g. "acme/fleet/production"
const addresses = fleet.requireOutput("addresses") as pulumi.Output<Record<string, string | undefined>>;

const monitor = new Machine("monitor", {
  provider: "hetzner",
  region: "fsn1",
  size: "small",
  image: "debian-12",
  sshKeys: config.requireObject<string[]>("sshKeys"),
  labels: { role: "monitor" },
  // Prometheus scrapes from here; the fleet's node exporters answer only the monitor, and the
  // monitor's own port 9090 only the fleet.
  ports: [{ port: 9090, sources: addresses.apply((a) => Object.values(a).flatMap((ip) => (ip ? [`${ip}/32`] : []))) }],
});

export const watched = addresses.apply((a) => Object.keys(a));
export const monitorSsh = monitor.ssh;
export const fleetSsh = fleet.getOutput("ssh");
