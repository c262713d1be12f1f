/** Hetzner snapshots and adoption under mocks: the exact resources, inputs and options. */
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMachinaMocks, ofType, settle, valueOf } from "../../dist/testing";
import type { ProviderModule } from "../../dist/core/contract";
import { MANAGED, recordingParent, resolvedSpec, snapshotRequest } from "./day-two-fixtures";

const recorded = installMachinaMocks({ project: "shop", stack: "production" });
const hetzner = (require("../../dist/providers/hetzner") as { default: ProviderModule }).default;

const SERVER = "hcloud:index/server:Server";

describe("hetzner snapshot", () => {
  it("registers an hcloud Snapshot of the server, described by the platform name and labelled", async () => {
    const { parent, optionsOf } = recordingParent("snap");
    const machine = new pulumi.ComponentResource("test:index:Machine", "web-machine", {});
    const result = hetzner.snapshot!(snapshotRequest(resolvedSpec(hetzner), "4711", {}, machine), parent);
    const id = await valueOf(pulumi.output(result.id));
    await settle();
    const [snapshot] = ofType(recorded, "hcloud:index/snapshot:Snapshot");
    expect(snapshot.name).toBe("web-before-upgrade");
    expect(snapshot.inputs).toEqual({
      serverId: 4711,
      description: "shop-production-web-before-upgrade",
      labels: { team: "shop", ...MANAGED },
    });
    expect(id).toBe(snapshot.id);
    expect(optionsOf("web-before-upgrade").dependsOn).toEqual([machine]);
  });

  it("restores a server from the snapshot's id as its image", async () => {
    const { parent } = recordingParent("restore");
    const spec = resolvedSpec(hetzner, {
      name: "restored",
      image: { id: "web-before-upgrade", kind: "snapshot", snapshot: pulumi.output("98765") },
    });
    await valueOf(pulumi.output(hetzner.create(spec, parent).id));
    await settle();
    expect(ofType(recorded, SERVER).find((r) => r.name === "restored")!.inputs.image).toBe("98765");
  });
});

describe("hetzner adopt", () => {
  it("plans an import of the server by its numeric id", () => {
    expect(hetzner.adopt!("4711", resolvedSpec(hetzner))).toEqual({ type: SERVER, importId: "4711" });
  });

  it.each(["web-1", "0815x", "", "-3"])("refuses %j with what is allowed and the fix", (id) => {
    expect(hetzner.adopt!(id, resolvedSpec(hetzner))).toEqual([
      {
        field: "adopt.id",
        value: JSON.stringify(id),
        allowed: "a Hetzner server id: a number",
        fix: expect.stringContaining("hcloud server list"),
      },
    ]);
  });

  it.each([true, false])(
    "imports the server (retainOnDelete %s), keeps what it was made with and its networking, makes no keys or firewall",
    async (retainOnDelete) => {
      const before = recorded.length;
      const { parent, optionsOf } = recordingParent(`adopt-${retainOnDelete}`);
      const name = `adopted-${retainOnDelete}`;
      const spec = resolvedSpec(hetzner, {
        name,
        platformName: `shop-production-${name}`,
        firewall: [{ protocol: "tcp", port: 22, toPort: 22, sources: ["0.0.0.0/0"] }],
        options: { sshKeysVia: "api" },
        sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA a@b"],
        adopt: { id: "4711", retainOnDelete },
      });
      await valueOf(pulumi.output(hetzner.create(spec, parent).id));
      await settle();
      const made = recorded.slice(before);
      expect(made.map((r) => r.type)).toEqual(["test:index:Parent", SERVER]);
      const [, server] = made;
      expect(server).toMatchObject({ name, importId: "4711", retainOnDelete });
      expect(server.inputs).toMatchObject({ serverType: spec.size.type, location: spec.region });
      expect(optionsOf(name).ignoreChanges).toEqual([
        "name",
        "image",
        "sshKeys",
        "userData",
        "labels",
        "firewallIds",
        "publicNets",
        "networks",
      ]);
    },
  );

  it("refuses ports on an adopted server, and takes them on a new one", () => {
    const ports = [{ protocol: "tcp" as const, port: 443, toPort: 443, sources: ["0.0.0.0/0"] }];
    const adopted = resolvedSpec(hetzner, {
      requestedFirewall: ports,
      firewall: ports,
      adopt: { id: "4711", retainOnDelete: true },
    });
    expect(hetzner.validate!(adopted, { config: () => undefined })).toEqual([
      {
        field: "ports",
        value: "[443]",
        allowed: "no ports on an adopted server: it keeps its own firewalls",
        fix: "open the ports in the server's firewall yourself and leave ports out",
      },
    ]);
    expect(hetzner.validate!({ ...adopted, adopt: undefined }, { config: () => undefined })).toEqual([]);
  });

  it("registers a server that is not adopted without an import", async () => {
    const { parent, optionsOf } = recordingParent("fresh");
    await valueOf(pulumi.output(hetzner.create(resolvedSpec(hetzner, { name: "fresh" }), parent).id));
    await settle();
    expect(optionsOf("fresh").import).toBeUndefined();
    expect(ofType(recorded, SERVER).find((r) => r.name === "fresh")).toMatchObject({ retainOnDelete: false });
    expect(optionsOf("fresh").ignoreChanges).toBeUndefined();
  });
});
