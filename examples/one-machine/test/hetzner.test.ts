/** The program on the `hetzner` stack, under pulumi-machina/testing's mocks: what it would create. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { installMachinaMocks, ofType, valueOf } from "pulumi-machina/testing";
import { stackConfig } from "./stack-config";

test("hetzner stack: one small server in fsn1 with nginx, ports 22, 80 and 443 open", async () => {
  const recorded = installMachinaMocks({ project: "one-machine", stack: "hetzner", config: stackConfig("hetzner") });
  const program = await import("../index.js");

  assert.equal(await valueOf(program.provider), "hetzner");
  assert.equal(await valueOf(program.type), "cx23");
  assert.match((await valueOf(program.ip)) ?? "", /^\d+\.\d+\.\d+\.\d+$/);

  const [server] = ofType(recorded, "hcloud:index/server:Server");
  assert.equal(server.inputs.serverType, "cx23");
  assert.equal(server.inputs.location, "fsn1");
  assert.equal(server.inputs.image, "ubuntu-24.04");
  assert.match(server.inputs.userData, /packages: \[nginx\]/);
  const [firewall] = ofType(recorded, "hcloud:index/firewall:Firewall");
  const ports = firewall.inputs.rules.map((r: { port: string }) => r.port).sort();
  assert.deepEqual(ports, ["22", "443", "80"]);
});
