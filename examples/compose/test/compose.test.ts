/** The composed program under pulumi-machina/testing's mocks: every Output reaches the platform resources. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { installMachinaMocks, ofType, settle, valueOf } from "pulumi-machina/testing";

test("a tls key, a VPC and subnet and a DNS record compose with the Machine", async () => {
  const recorded = installMachinaMocks({
    project: "compose",
    stack: "production",
    config: { "compose:zoneId": "Z123", "compose:domain": "shop.example", "aws:region": "eu-central-1" },
    platformState: (type, _name, _id, inputs) =>
      type === "tls:index/privateKey:PrivateKey"
        ? {
            publicKeyOpenssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA\n",
            privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n(${inputs.algorithm})\n`,
          }
        : type === "aws:ec2/vpc:Vpc"
          ? { cidrBlock: inputs.cidrBlock }
          : {},
  });
  const program = await import("../index.js");
  assert.match((await valueOf(program.ssh)) ?? "", /^ssh admin@\d+\.\d+\.\d+\.\d+$/);
  // The DNS record waits for the address too: its registration reaches the mocks a few turns later.
  await settle();

  const [vpc] = ofType(recorded, "aws:ec2/vpc:Vpc");
  const [subnet] = ofType(recorded, "aws:ec2/subnet:Subnet");
  const [instance] = ofType(recorded, "aws:ec2/instance:Instance");
  assert.equal(instance.inputs.subnetId, subnet.id);
  assert.equal(instance.inputs.monitoring, true);
  assert.equal(instance.inputs.tags.vpc, vpc.id);
  // The key from tls: the instance's own key pair (a key given as an Output is not shared by content).
  const [keyPair] = ofType(recorded, "aws:ec2/keyPair:KeyPair");
  assert.equal(keyPair.name, "db-key");
  assert.match(keyPair.inputs.publicKey, /^ssh-ed25519 AAAA/);
  const [group] = ofType(recorded, "aws:ec2/securityGroup:SecurityGroup");
  assert.equal(group.inputs.vpcId, vpc.id);
  const db = group.inputs.ingress.find((r: { fromPort: number }) => r.fromPort === 5432);
  assert.deepEqual(db.cidrBlocks, ["10.20.0.0/16"]);
  const [record] = ofType(recorded, "aws:route53/record:Record");
  assert.equal(record.inputs.name, "db.shop.example");
  assert.match(record.inputs.records[0], /^\d+\.\d+\.\d+\.\d+$/);
});
