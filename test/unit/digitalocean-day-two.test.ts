/** DigitalOcean snapshots and adoption under mocks: the exact resources, inputs and options. */
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMachinaMocks, ofType, settle, valueOf } from "../../dist/testing";
import type { ProviderModule } from "../../dist/core/contract";
import { recordingParent, resolvedSpec, snapshotRequest } from "./day-two-fixtures";

const recorded = installMachinaMocks({ project: "shop", stack: "production" });
const digitalocean = (require("../../dist/providers/digitalocean") as { default: ProviderModule }).default;
const { snapshotDroplet } =
  require("../../dist/providers/digitalocean/snapshot") as typeof import("../../dist/providers/digitalocean/snapshot");

const DROPLET = "digitalocean:index/droplet:Droplet";
const FIREWALL = "digitalocean:index/firewall:Firewall";

describe("digitalocean snapshot (written, not exported: droplet snapshots take no labels)", () => {
  it("is not a capability of the module yet", () => {
    expect(digitalocean.snapshot).toBeUndefined();
  });

  it("registers a DropletSnapshot of the droplet, named by the platform name", async () => {
    const { parent, optionsOf } = recordingParent("snap");
    const machine = new pulumi.ComponentResource("test:index:Machine", "web-machine", {});
    const result = snapshotDroplet(snapshotRequest(resolvedSpec(digitalocean), "3164444", {}, machine), parent);
    const id = await valueOf(pulumi.output(result.id));
    await settle();
    const [snapshot] = ofType(recorded, "digitalocean:index/dropletSnapshot:DropletSnapshot");
    expect(snapshot.name).toBe("web-before-upgrade");
    expect(snapshot.inputs).toEqual({ dropletId: "3164444", name: "shop-production-web-before-upgrade" });
    expect(id).toBe(snapshot.id);
    expect(optionsOf("web-before-upgrade").dependsOn).toEqual([machine]);
  });

  it("restores a droplet from the snapshot's id as its image", async () => {
    const { parent } = recordingParent("restore");
    const spec = resolvedSpec(digitalocean, {
      name: "restored",
      image: { id: "web-before-upgrade", kind: "snapshot", snapshot: pulumi.output("120934567") },
    });
    await valueOf(pulumi.output(digitalocean.create(spec, parent).id));
    await settle();
    expect(ofType(recorded, DROPLET).find((r) => r.name === "restored")!.inputs.image).toBe("120934567");
  });
});

describe("digitalocean adopt", () => {
  it("plans an import of the droplet by its numeric id", () => {
    expect(digitalocean.adopt!("3164444", resolvedSpec(digitalocean))).toEqual({ type: DROPLET, importId: "3164444" });
  });

  it.each(["web-1", "do:droplet:3164444", "", "0"])("refuses %j with what is allowed and the fix", (id) => {
    expect(digitalocean.adopt!(id, resolvedSpec(digitalocean))).toEqual([
      {
        field: "adopt.id",
        value: JSON.stringify(id),
        allowed: "a droplet id: a number",
        fix: expect.stringContaining("doctl compute droplet list"),
      },
    ]);
  });

  it.each([true, false])(
    "imports the droplet (retainOnDelete %s), keeps what it was made with, makes no keys, and firewalls it from the firewall's side",
    async (retainOnDelete) => {
      const before = recorded.length;
      const { parent, optionsOf } = recordingParent(`adopt-${retainOnDelete}`);
      const name = `adopted-${retainOnDelete}`;
      const spec = resolvedSpec(digitalocean, {
        name,
        platformName: `shop-production-${name}`,
        firewall: [{ protocol: "tcp", port: 22, toPort: 22, sources: ["0.0.0.0/0"] }],
        options: { sshKeysVia: "api" },
        sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA a@b"],
        adopt: { id: "3164444", retainOnDelete },
      });
      await valueOf(pulumi.output(digitalocean.create(spec, parent).id));
      await settle();
      const made = recorded.slice(before);
      expect(made.map((r) => r.type)).toEqual(["test:index:Parent", DROPLET, FIREWALL]);
      const [, droplet, firewall] = made;
      expect(droplet).toMatchObject({ name, importId: "3164444", retainOnDelete });
      expect(droplet.inputs).toMatchObject({ size: spec.size.type, region: spec.region });
      expect(optionsOf(name).ignoreChanges).toEqual([
        "name",
        "image",
        "sshKeys",
        "userData",
        "tags",
        "publicNetworking",
        "ipv6",
        "monitoring",
        "vpcUuid",
      ]);
      expect(firewall.importId).toBeUndefined();
      expect(firewall.retainOnDelete).toBe(false);
      expect(firewall.inputs.dropletIds).toEqual([Number(droplet.id)]);
    },
  );

  it("registers a droplet that is not adopted without an import or ignored inputs", async () => {
    const { parent, optionsOf } = recordingParent("fresh");
    await valueOf(pulumi.output(digitalocean.create(resolvedSpec(digitalocean, { name: "fresh" }), parent).id));
    await settle();
    expect(ofType(recorded, DROPLET).find((r) => r.name === "fresh")).toMatchObject({ retainOnDelete: false });
    expect(optionsOf("fresh").import).toBeUndefined();
    expect(optionsOf("fresh").ignoreChanges).toBeUndefined();
  });
});
