/** The fleet under pulumi-machina/testing's mocks: two providers, one set of keys, the outputs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { installMachinaMocks, ofType, valueOf } from "pulumi-machina/testing";

const KEYS = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA alice@laptop",
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2q7cRrGk1m5n8Yx0pT3dVw9sL4uH6eZ1aC8bN2fQwE bob@desk",
];

test("two web servers on Hetzner and a worker on AWS, each with both keys", async () => {
  const recorded = installMachinaMocks({
    project: "fleet",
    stack: "production",
    config: { "aws:region": "eu-central-1", "fleet:webCount": "2", "fleet:sshKeys": JSON.stringify(KEYS) },
  });
  const program = await import("../index.js");

  const addresses = await valueOf(program.addresses);
  assert.deepEqual(Object.keys(addresses), ["web-1", "web-2", "worker"]);
  for (const ip of Object.values(addresses)) assert.match(ip ?? "", /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(await valueOf(program.types), {
    "web-1": "hetzner/cx23",
    "web-2": "hetzner/cx23",
    worker: "aws/t3.large",
  });

  const servers = ofType(recorded, "hcloud:index/server:Server");
  assert.equal(servers.length, 2);
  // Hetzner: the keys go in through cloud-init (no account-wide key object two stacks could fight over).
  for (const server of servers) for (const key of KEYS) assert.ok(server.inputs.userData.includes(key));
  for (const server of servers) assert.equal(server.inputs.labels.role, "web");
  // AWS: one key pair carries the first key, cloud-init adds the rest.
  const [keyPair] = ofType(recorded, "aws:ec2/keyPair:KeyPair");
  assert.equal(keyPair.inputs.publicKey, KEYS[0]);
  const [instance] = ofType(recorded, "aws:ec2/instance:Instance");
  assert.ok(instance.inputs.userData.includes(KEYS[1]));
  assert.equal(instance.inputs.rootBlockDevice.volumeSize, 50);
  assert.equal(instance.inputs.tags.role, "worker");
  const [group] = ofType(recorded, "aws:ec2/securityGroup:SecurityGroup");
  assert.deepEqual(
    group.inputs.ingress.map((r: { fromPort: number }) => r.fromPort),
    [22],
  );
});
