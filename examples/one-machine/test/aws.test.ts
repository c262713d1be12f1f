/** The program on the `aws` stack, under pulumi-machina/testing's mocks: what it would create. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { installMachinaMocks, ofType, valueOf } from "pulumi-machina/testing";
import { stackConfig } from "./stack-config";

test("aws stack: the cheapest type with 2 vCPUs and 4 GiB in eu-central-1, ports 22, 80 and 443 open", async () => {
  const recorded = installMachinaMocks({ project: "one-machine", stack: "aws", config: stackConfig("aws") });
  const program = await import("../index.js");

  assert.equal(await valueOf(program.provider), "aws");
  // The address comes from the instance: once it is known, every resource has been registered.
  assert.match((await valueOf(program.ip)) ?? "", /^\d+\.\d+\.\d+\.\d+$/);
  const type = await valueOf(program.type);
  const [instance] = ofType(recorded, "aws:ec2/instance:Instance");
  assert.equal(instance.inputs.instanceType, type);
  assert.match(type, /^t3a?\.medium$/);
  const [group] = ofType(recorded, "aws:ec2/securityGroup:SecurityGroup");
  const ports = group.inputs.ingress.map((r: { fromPort: number }) => r.fromPort).sort((a: number, b: number) => a - b);
  assert.deepEqual(ports, [22, 80, 443]);
});
