/** The consumer under pulumi-machina/testing's mocks, the fleet stack's outputs given by the mocks. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { installMachinaMocks, ofType, valueOf } from "pulumi-machina/testing";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA alice@laptop";
const FLEET = {
  addresses: { "web-1": "203.0.113.10", "web-2": "203.0.113.11", worker: "198.51.100.7" },
  ssh: { "web-1": "ssh root@203.0.113.10", "web-2": "ssh root@203.0.113.11", worker: "ssh admin@198.51.100.7" },
};

test("the monitor's port is open to exactly the fleet's addresses, read through a StackReference", async () => {
  const recorded = installMachinaMocks({
    project: "monitor",
    stack: "production",
    config: { "monitor:fleetStack": "acme/fleet/production", "monitor:sshKeys": JSON.stringify([KEY]) },
    platformState: (type) => (type === "pulumi:pulumi:StackReference" ? { outputs: FLEET } : {}),
  });
  const program = await import("../index.js");
  assert.deepEqual(await valueOf(program.watched), ["web-1", "web-2", "worker"]);
  assert.deepEqual(await valueOf(program.fleetSsh), FLEET.ssh);
  assert.match((await valueOf(program.monitorSsh)) ?? "", /^ssh root@\d+\.\d+\.\d+\.\d+$/);

  const [reference] = ofType(recorded, "pulumi:pulumi:StackReference");
  assert.equal(reference.inputs.name, "acme/fleet/production");
  // Sources from an Output: the monitor's firewall is its own (a shared one is keyed by known content).
  const firewall = ofType(recorded, "hcloud:index/firewall:Firewall").find((f) => f.name === "monitor-firewall");
  assert.ok(firewall, "the monitor has a firewall of its own");
  assert.deepEqual(firewall.inputs.rules.find((r: { port: string }) => r.port === "9090").sourceIps, [
    "203.0.113.10/32",
    "203.0.113.11/32",
    "198.51.100.7/32",
  ]);
});
