/** AWS snapshots (AMIs) and adoption under mocks: the exact resources, inputs and options. */
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMachinaMocks, invokes, ofType, settle, valueOf } from "../../dist/testing";
import type { ProviderModule } from "../../dist/core/contract";
import { MANAGED, recordingParent, resolvedSpec, snapshotRequest } from "./day-two-fixtures";

const recorded = installMachinaMocks({ project: "shop", stack: "production" });
const aws = (require("../../dist/providers/aws") as { default: ProviderModule }).default;

const INSTANCE = "aws:ec2/instance:Instance";
const AMI = "aws:ec2/amiFromInstance:AmiFromInstance";
const SSH = [{ protocol: "tcp" as const, port: 22, toPort: 22, sources: ["0.0.0.0/0"] }];
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA a@b";

describe("aws snapshot", () => {
  it("registers an AMI of the instance, rebooted for consistency, named and tagged", async () => {
    const { parent, optionsOf } = recordingParent("snap");
    const machine = new pulumi.ComponentResource("test:index:Machine", "web-machine", {});
    const spec = resolvedSpec(aws, { region: "eu-central-1" });
    const result = aws.snapshot!(snapshotRequest(spec, "i-0123456789abcdef0", {}, machine), parent);
    const id = await valueOf(pulumi.output(result.id));
    await settle();
    const [ami] = ofType(recorded, AMI);
    expect(ami.name).toBe("web-before-upgrade");
    expect(ami.inputs).toEqual({
      name: "shop-production-web-before-upgrade",
      sourceInstanceId: "i-0123456789abcdef0",
      snapshotWithoutReboot: false,
      region: "eu-central-1",
      tags: { team: "shop", ...MANAGED, Name: "shop-production-web-before-upgrade" },
    });
    expect(id).toBe(ami.id);
    expect(optionsOf("web-before-upgrade").dependsOn).toEqual([machine]);
  });

  it("restores an instance from the AMI's id without an AMI lookup", async () => {
    const { parent } = recordingParent("restore");
    const lookups = invokes.filter((i) => i.token === "aws:ec2/getAmi:getAmi").length;
    const spec = resolvedSpec(aws, {
      name: "restored",
      image: { id: "web-before-upgrade", kind: "snapshot", snapshot: pulumi.output("ami-0fedcba9876543210") },
    });
    await valueOf(pulumi.output(aws.create(spec, parent).id));
    await settle();
    expect(ofType(recorded, INSTANCE).find((r) => r.name === "restored")!.inputs.ami).toBe("ami-0fedcba9876543210");
    expect(invokes.filter((i) => i.token === "aws:ec2/getAmi:getAmi").length).toBe(lookups);
  });

  it("checks a plain snapshot id's shape, and takes a Snapshot's id as it comes", () => {
    const check = (snapshot: pulumi.Input<string>) =>
      aws.validate!(resolvedSpec(aws, { image: { id: "s", kind: "snapshot", snapshot } }), { config: () => undefined });
    expect(check("my-snapshot")).toEqual([
      {
        field: "image.snapshot",
        value: '"my-snapshot"',
        allowed: "an AMI id (ami-0123abcd...)",
        fix: "use an alias, or the AMI id of your image or snapshot",
      },
    ]);
    expect(check("ami-0fedcba9876543210")).toEqual([]);
    expect(check(pulumi.output("ami-0fedcba9876543210"))).toEqual([]);
  });
});

describe("aws adopt", () => {
  it.each(["i-0123456789abcdef0", "i-12345678"])("plans an import of the instance %s", (id) => {
    expect(aws.adopt!(id, resolvedSpec(aws))).toEqual({ type: INSTANCE, importId: id });
  });

  it.each(["web-1", "i-0123", "i-0123456789ABCDEF0", "ami-0123456789abcdef0", ""])(
    "refuses %j with what is allowed and the fix",
    (id) => {
      expect(aws.adopt!(id, resolvedSpec(aws))).toEqual([
        {
          field: "adopt.id",
          value: JSON.stringify(id),
          allowed: "an EC2 instance id: i- and 8 or 17 hexadecimal digits",
          fix: expect.stringContaining("aws ec2 describe-instances"),
        },
      ]);
    },
  );

  it.each([true, false])(
    "imports the instance (retainOnDelete %s), keeps its launch inputs and security groups, makes no key pair or group",
    async (retainOnDelete) => {
      const before = recorded.length;
      const { parent, optionsOf } = recordingParent(`adopt-${retainOnDelete}`);
      const name = `adopted-${retainOnDelete}`;
      const spec = resolvedSpec(aws, {
        name,
        firewall: SSH,
        sshKeys: [KEY],
        powerState: "stopped",
        adopt: { id: "i-0123456789abcdef0", retainOnDelete },
      });
      await valueOf(pulumi.output(aws.create(spec, parent).id));
      await settle();
      const made = recorded.slice(before);
      expect(made.map((r) => r.type)).toEqual([
        "test:index:Parent",
        INSTANCE,
        "aws:ec2transitgateway/instanceState:InstanceState",
      ]);
      const [, instance, power] = made;
      expect(instance).toMatchObject({ name, importId: "i-0123456789abcdef0", retainOnDelete });
      expect(instance.inputs).toMatchObject({ instanceType: spec.size.type, region: spec.region });
      expect(instance.inputs.vpcSecurityGroupIds).toBeUndefined();
      expect(instance.inputs.keyName).toBeUndefined();
      expect(optionsOf(name).ignoreChanges).toEqual([
        "ami",
        "userData",
        "userDataReplaceOnChange",
        "keyName",
        "rootBlockDevice",
        "tags",
        "vpcSecurityGroupIds",
        "associatePublicIpAddress",
      ]);
      // Power state applies to an adopted instance as to any other; only the instance is imported.
      expect(power.importId).toBeUndefined();
      expect(power.retainOnDelete).toBe(false);
      expect(power.inputs).toMatchObject({ instanceId: instance.id, state: "stopped" });
    },
  );

  it("refuses ports on an adopted instance, and takes them on a new one", () => {
    const ports = [{ protocol: "tcp" as const, port: 443, toPort: 443, sources: ["0.0.0.0/0"] }];
    const adopted = resolvedSpec(aws, {
      requestedFirewall: ports,
      firewall: ports,
      adopt: { id: "i-12345678", retainOnDelete: true },
    });
    expect(aws.validate!(adopted, { config: () => undefined })).toEqual([
      {
        field: "ports",
        value: "[443]",
        allowed: "no ports on an adopted instance: it keeps its own security groups",
        fix: "open the ports in the instance's security group yourself and leave ports out",
      },
    ]);
    expect(aws.validate!({ ...adopted, adopt: undefined }, { config: () => undefined })).toEqual([]);
  });

  it("registers an instance that is not adopted without an import, pinning only the AMI", async () => {
    const { parent, optionsOf } = recordingParent("fresh");
    await valueOf(pulumi.output(aws.create(resolvedSpec(aws, { name: "fresh", firewall: SSH }), parent).id));
    await settle();
    expect(ofType(recorded, INSTANCE).find((r) => r.name === "fresh")).toMatchObject({ retainOnDelete: false });
    expect(optionsOf("fresh").import).toBeUndefined();
    expect(optionsOf("fresh").ignoreChanges).toEqual(["ami"]);
  });
});
