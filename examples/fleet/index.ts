/**
 * A small fleet on two providers: web servers on Hetzner, a worker on AWS. Both take the same SSH keys
 * and labels; the outputs are what a team shares (addresses, ssh lines, hourly sizes).
 */
import * as pulumi from "@pulumi/pulumi";
import { Machine } from "pulumi-machina";

const config = new pulumi.Config();
const sshKeys = config.requireObject<string[]>("sshKeys");
const labels = { team: "shop", environment: pulumi.getStack() };

const machines: Record<string, Machine> = {};
for (let i = 1; i <= (config.getNumber("webCount") ?? 2); i++)
  machines[`web-${i}`] = new Machine(`web-${i}`, {
    provider: "hetzner",
    region: "fsn1",
    size: "small",
    image: "debian-12",
    sshKeys,
    labels: { ...labels, role: "web" },
    ports: [80, 443],
  });

machines.worker = new Machine("worker", {
  provider: "aws",
  region: "eu-central-1",
  size: { cpus: 2, memoryGiB: 8 },
  image: "debian-12",
  diskGiB: 50,
  sshKeys,
  labels: { ...labels, role: "worker" },
  // No public ports: the worker only answers SSH.
});

const each = <T>(pick: (m: Machine) => pulumi.Output<T>) =>
  pulumi.all(Object.fromEntries(Object.entries(machines).map(([name, m]) => [name, pick(m)])));

/** `{ "web-1": "203.0.113.10", ... }` */
export const addresses = each((m) => m.publicIp);
export const ssh = each((m) => m.ssh);
export const types = each((m) => pulumi.interpolate`${m.provider}/${m.type}`);
