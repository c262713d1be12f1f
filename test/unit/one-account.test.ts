/**
 * Two stacks of one project in one cloud account (staging and production with the same developer
 * key, the common case): both deploy. The mocked platform enforces each provider's account-wide
 * uniqueness rules, the way the real API refuses a second key object for one public key or a second
 * firewall of one name.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { installMachinaMocks, KEY_A, settle, valueOf, type RecordedInputs } from "../../dist/testing";

/** Which inputs of which resource types must be unique in one account (project, region). */
const ACCOUNT_RULES: Record<string, Record<string, string[]>> = {
  hetzner: {
    "hcloud:index/sshKey:SshKey": ["name", "publicKey"],
    "hcloud:index/firewall:Firewall": ["name"],
    "hcloud:index/server:Server": ["name"],
  },
  digitalocean: {
    "digitalocean:index/sshKey:SshKey": ["publicKey"],
    "digitalocean:index/firewall:Firewall": ["name"],
  },
  aws: {
    "aws:ec2/keyPair:KeyPair": ["keyName"],
    "aws:ec2/securityGroup:SecurityGroup": ["name"],
  },
  gcp: {
    "gcp:compute/firewall:Firewall": ["name"],
    "gcp:compute/instance:Instance": ["name"],
  },
};

/** An account that refuses duplicates (throws, failing the run), or only notes them in `refusals`. */
function account(rules: Record<string, string[]>, refusals?: string[]) {
  const taken = new Map<string, string>();
  return (type: string, inputs: RecordedInputs) => {
    for (const field of rules[type] ?? []) {
      const value = inputs[field];
      if (value === undefined) continue;
      const key = `${type} ${field}=${JSON.stringify(value)}`;
      if (taken.has(key)) {
        const refusal = `platform refuses: ${key} already exists in this account`;
        if (!refusals) throw new Error(refusal);
        refusals.push(refusal);
      }
      taken.set(key, field);
    }
  };
}

describe.each(Object.keys(ACCOUNT_RULES))("%s: staging and production in one account", (provider) => {
  it("both deploy with the same SSH key and ports", async () => {
    const platform = account(ACCOUNT_RULES[provider]);
    const { Machine } = await import("../../dist/components/machine.js");
    const ids: string[] = [];
    for (const stack of ["staging", "production"]) {
      installMachinaMocks({
        project: "shop",
        stack,
        config: { "machina:provider": provider, "gcp:project": "shop-1" },
        platform,
      });
      // Each stack is its own program run, as under the engine.
      await pulumi.runtime.runInPulumiStack(async () => {
        const web = new Machine("web", { sshKeys: [KEY_A], ports: [443] });
        ids.push(await valueOf(web.id));
        await settle();
      });
      // The run's last registrations (the stack's outputs) reach this stack's mocks before the next stack's.
      await settle();
    }
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe("the mocked account", () => {
  it("refuses what the platform refuses: Hetzner key objects of one public key in two stacks (sshKeysVia: api)", async () => {
    const refusals: string[] = [];
    const platform = account(ACCOUNT_RULES.hetzner, refusals);
    const { Machine } = await import("../../dist/components/machine.js");
    for (const stack of ["staging", "production"]) {
      installMachinaMocks({ project: "shop", stack, config: { "machina:provider": "hetzner" }, platform });
      await pulumi.runtime.runInPulumiStack(async () => {
        const web = new Machine("web", { sshKeys: [KEY_A], providerOptions: { hetzner: { sshKeysVia: "api" } } });
        await valueOf(web.id);
        await settle();
      });
      await settle();
    }
    expect(refusals).toEqual([
      expect.stringMatching(/^platform refuses: hcloud:index\/sshKey:SshKey publicKey="ssh-ed25519 /),
    ]);
  });
});
