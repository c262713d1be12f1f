/** Compute Engine snapshots and adoption under mocks: the exact resources, inputs and options. */
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMachinaMocks, ofType, settle, valueOf } from "../../dist/testing";
import type { ProviderModule } from "../../dist/core/contract";
import { MANAGED, recordingParent, resolvedSpec, snapshotRequest } from "./day-two-fixtures";

const recorded = installMachinaMocks({ project: "shop", stack: "production" });
const gcp = (require("../../dist/providers/gcp") as { default: ProviderModule }).default;

const INSTANCE = "gcp:compute/instance:Instance";
const FIREWALL = "gcp:compute/firewall:Firewall";
const DISK = "projects/shop-prod/zones/us-central1-a/disks/shop-production-web";
const SSH = [{ protocol: "tcp" as const, port: 22, toPort: 22, sources: ["0.0.0.0/0"] }];

describe("gcp snapshot", () => {
  it("registers a snapshot of the boot disk, in its zone, named and labelled", async () => {
    const { parent, optionsOf } = recordingParent("snap");
    const machine = new pulumi.ComponentResource("test:index:Machine", "web-machine", {});
    const request = snapshotRequest(resolvedSpec(gcp), "gce-1", { bootDisk: DISK, zone: "us-central1-a" }, machine);
    const result = gcp.snapshot!(request, parent);
    const id = await valueOf(pulumi.output(result.id));
    await settle();
    const [snapshot] = ofType(recorded, "gcp:compute/snapshot:Snapshot");
    expect(id).toBe(snapshot.id);
    expect(snapshot.name).toBe("web-before-upgrade");
    expect(snapshot.inputs).toEqual({
      name: "shop-production-web-before-upgrade",
      sourceDisk: DISK,
      zone: "us-central1-a",
      labels: { team: "shop", ...MANAGED },
    });
    expect(optionsOf("web-before-upgrade").dependsOn).toEqual([machine]);
  });

  it("a machine's details name its boot disk, for its snapshots", async () => {
    const { parent } = recordingParent("details");
    const result = gcp.create(resolvedSpec(gcp, { name: "with-disk" }), parent);
    const details = (await valueOf(pulumi.output(result.details))) as Record<string, unknown>;
    expect(Object.keys(details)).toContain("bootDisk");
  });

  it("restores an instance whose boot disk is made from the snapshot, not from an image", async () => {
    const { parent } = recordingParent("restore");
    const link = "projects/shop-prod/global/snapshots/shop-production-web-before-upgrade";
    const spec = resolvedSpec(gcp, {
      name: "restored",
      diskGiB: 30,
      image: { id: "web-before-upgrade", kind: "snapshot", snapshot: pulumi.output(link) },
    });
    await valueOf(pulumi.output(gcp.create(spec, parent).id));
    await settle();
    expect(ofType(recorded, INSTANCE).find((r) => r.name === "restored")!.inputs.bootDisk).toEqual({
      initializeParams: { snapshot: link, size: 30, type: "pd-balanced" },
      autoDelete: true,
    });
  });
});

describe("gcp adopt", () => {
  const LONG = "projects/shop-prod/zones/us-central1-b/instances/legacy-web";

  it.each([LONG, "shop-prod/us-central1-b/legacy-web"])("plans an import of the instance %s", (id) => {
    expect(gcp.adopt!(id, resolvedSpec(gcp))).toEqual({ type: INSTANCE, importId: LONG });
  });

  it.each(["legacy-web", "projects/shop-prod/instances/legacy-web", "shop-prod/us-central1-b/Legacy_Web", ""])(
    "refuses %j with what is allowed and the fix",
    (id) => {
      expect(gcp.adopt!(id, resolvedSpec(gcp))).toEqual([
        {
          field: "adopt.id",
          value: JSON.stringify(id),
          allowed: "an instance as projects/<project>/zones/<zone>/instances/<name> or <project>/<zone>/<name>",
          fix: expect.stringContaining("gcloud compute instances describe"),
        },
      ]);
    },
  );

  it("refuses an instance outside the Machine's region or zone, naming where to look", () => {
    expect(gcp.adopt!("projects/shop-prod/zones/europe-west1-b/instances/w", resolvedSpec(gcp))).toEqual([
      {
        field: "adopt.id",
        value: '"projects/shop-prod/zones/europe-west1-b/instances/w"',
        allowed: "an instance in region us-central1, where this Machine is",
        fix: 'set zone: "europe-west1-b" (and its region) on the Machine, or adopt an instance in us-central1',
      },
    ]);
    expect(gcp.adopt!(LONG, resolvedSpec(gcp, { zone: "us-central1-a" }))).toMatchObject([
      { allowed: "an instance in us-central1-a, where this Machine is" },
    ]);
  });

  it.each([
    [true, "running"],
    [false, "stopped"],
  ] as const)(
    "imports the instance (retainOnDelete %s, %s) under its own name, zone and project, keeping its disk, metadata and networking, with no firewall",
    async (retainOnDelete, powerState) => {
      const before = recorded.length;
      const { parent, optionsOf } = recordingParent(`adopt-${retainOnDelete}`);
      const name = `adopted-${retainOnDelete}`;
      const spec = resolvedSpec(gcp, { name, firewall: SSH, powerState, adopt: { id: LONG, retainOnDelete } });
      await valueOf(pulumi.output(gcp.create(spec, parent).id));
      await settle();
      const made = recorded.slice(before);
      expect(made.map((r) => r.type)).toEqual(["test:index:Parent", INSTANCE]);
      const instance = made[1];
      expect(instance).toMatchObject({ name, importId: LONG, retainOnDelete });
      expect(instance.inputs).toMatchObject({
        name: "legacy-web",
        project: "shop-prod",
        zone: "us-central1-b",
        machineType: spec.size.type,
        desiredStatus: powerState === "stopped" ? "TERMINATED" : "RUNNING",
      });
      const kept = ["bootDisk", "metadata", "metadataStartupScript", "tags", "labels", "networkInterfaces"];
      expect(optionsOf(name).ignoreChanges).toEqual(
        powerState === "stopped"
          ? [...kept, "allowStoppingForUpdate"]
          : [...kept, "allowStoppingForUpdate", "desiredStatus"],
      );
    },
  );

  it("refuses ports on an adopted instance, and takes them on a new one", () => {
    const ports = [{ protocol: "tcp" as const, port: 443, toPort: 443, sources: ["0.0.0.0/0"] }];
    const adopted = resolvedSpec(gcp, {
      requestedFirewall: ports,
      firewall: ports,
      adopt: { id: LONG, retainOnDelete: true },
    });
    expect(gcp.validate!(adopted, { config: () => undefined })).toEqual([
      {
        field: "ports",
        value: "[443]",
        allowed: "no ports on an adopted instance: it keeps its own firewall rules and network tags",
        fix: "open the ports in a firewall rule of the instance's network yourself and leave ports out",
      },
    ]);
    expect(gcp.validate!({ ...adopted, adopt: undefined }, { config: () => undefined })).toEqual([]);
  });

  it("registers an instance that is not adopted without an import, pinning only the image", async () => {
    const before = recorded.length;
    const { parent, optionsOf } = recordingParent("fresh");
    await valueOf(pulumi.output(gcp.create(resolvedSpec(gcp, { name: "fresh", firewall: SSH }), parent).id));
    await settle();
    expect(recorded.slice(before).map((r) => r.type)).toEqual(["test:index:Parent", FIREWALL, INSTANCE]);
    expect(ofType(recorded, INSTANCE).find((r) => r.name === "fresh")).toMatchObject({ retainOnDelete: false });
    expect(optionsOf("fresh").import).toBeUndefined();
    expect(optionsOf("fresh").ignoreChanges).toEqual(["bootDisk.initializeParams.image"]);
  });
});
