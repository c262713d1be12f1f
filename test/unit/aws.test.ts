import { describe, expect, it } from "vitest";
import { machinaUnderMocks, invokes, KEY_A, KEY_B, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "production",
  config: { "machina:provider": "aws" },
});

const INSTANCE = "aws:ec2/instance:Instance";
const GROUP = "aws:ec2/securityGroup:SecurityGroup";
const KEYPAIR = "aws:ec2/keyPair:KeyPair";

describe("aws module", () => {
  it("finds the AMI by owner, name and architecture, and pins it as the Machine's image", async () => {
    const m = new Machine("api", {
      size: "medium",
      arch: "arm64",
      image: "ubuntu-24.04",
      region: "eu-central-1",
      sshKeys: [KEY_A],
    });
    expect(await valueOf(m.image)).toBe("ami-0a1b2c3d4e5f6a7b8");
    await settle();
    const lookup = invokes.find((i) => i.token === "aws:ec2/getAmi:getAmi")!;
    expect(lookup.inputs).toEqual({
      owners: ["099720109477"],
      mostRecent: true,
      region: "eu-central-1",
      filters: [
        { name: "name", values: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*"] },
        { name: "architecture", values: ["arm64"] },
        { name: "virtualization-type", values: ["hvm"] },
        { name: "root-device-type", values: ["ebs"] },
      ],
    });
    const instance = ofType(recorded, INSTANCE).find((r) => r.name === "api")!;
    expect(instance.inputs).toMatchObject({
      ami: "ami-0a1b2c3d4e5f6a7b8",
      instanceType: "t4g.medium",
      region: "eu-central-1",
    });
    expect(await valueOf(m.sshUser)).toBe("ubuntu");
    expect(await valueOf(m.type)).toBe("t4g.medium");
  });

  it("registers a security group with IPv4 and IPv6 sources apart, open egress, and the instance with exact inputs", async () => {
    const m = new Machine("web", {
      size: { cpus: 2, memoryGiB: 4 },
      image: "debian-12",
      sshKeys: [KEY_A, KEY_B],
      userData: "#!/bin/sh\necho hi > /tmp/hi\n",
      labels: { team: "shop" },
      ports: [443, { port: 60000, toPort: 61000, protocol: "udp", sources: ["198.51.100.0/24", "2001:db8::/32"] }],
      diskGiB: 30,
    });
    await valueOf(m.id);
    await settle();

    const group = ofType(recorded, GROUP).find((r) => r.name === "web-sg")!;
    expect(group.inputs).toEqual({
      name: "shop-production-web",
      description: "Machina shop-production-web",
      vpcId: "vpc-0default",
      region: "us-east-1",
      ingress: [
        {
          protocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
          description: "machina",
        },
        {
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
          description: "machina",
        },
        {
          protocol: "udp",
          fromPort: 60000,
          toPort: 61000,
          cidrBlocks: ["198.51.100.0/24"],
          ipv6CidrBlocks: ["2001:db8::/32"],
          description: "machina",
        },
      ],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
      tags: { team: "shop", "managed-by": "machina", Name: "shop-production-web" },
    });

    const key = ofType(recorded, KEYPAIR).find((r) => r.inputs.publicKey === KEY_A && r.inputs.region === "us-east-1")!;
    // The logical name stays by content (no URN change); the key pair's AWS name is the stack's own.
    expect(key.name).toMatch(/^machina-key-us-east-1-[0-9a-f]{10}$/);
    expect(key.inputs).toEqual({
      keyName: `machina-shop-production-${key.name.slice("machina-".length)}`,
      publicKey: KEY_A,
      region: "us-east-1",
      tags: { "managed-by": "machina" },
    });

    const instance = ofType(recorded, INSTANCE).find((r) => r.name === "web")!;
    const { userData, ...rest } = instance.inputs;
    expect(rest).toEqual({
      ami: "ami-0123456789abcdef0",
      instanceType: "t3.medium",
      region: "us-east-1",
      vpcSecurityGroupIds: [expect.any(String)],
      keyName: key.inputs.keyName,
      userDataReplaceOnChange: true,
      associatePublicIpAddress: true,
      rootBlockDevice: { volumeSize: 30, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
      tags: { team: "shop", "managed-by": "machina", Name: "shop-production-web" },
    });
    // Both keys reach the default user through cloud-init; the user's script stays a script.
    expect(userData).toContain(KEY_A);
    expect(userData).toContain(KEY_B);
    expect(userData).toContain("Content-Type: text/x-shellscript");
    expect(userData).toContain("echo hi > /tmp/hi");
    expect(await valueOf(m.sshUser)).toBe("admin");
    expect(await valueOf(m.publicIp)).toMatch(/^192\.0\.2\.\d+$/);
    expect(await valueOf(m.details)).toMatchObject({
      securityGroupId: expect.any(String),
      vpcId: "vpc-0default",
      availabilityZone: "us-east-1a",
    });
  });

  it("uses a given subnet and VPC, an existing key and an AMI id as given", async () => {
    const m = new Machine("private", {
      image: { id: "ami-0fedcba9876543210" },
      publicIp: false,
      providerOptions: {
        aws: { subnetId: "subnet-0abc", vpcId: "vpc-0abc", existingKeyName: "ops", instance: { monitoring: true } },
      },
    });
    expect(await valueOf(m.image)).toBe("ami-0fedcba9876543210");
    await settle();
    const instance = ofType(recorded, INSTANCE).find((r) => r.name === "private")!;
    expect(instance.inputs).toMatchObject({
      ami: "ami-0fedcba9876543210",
      subnetId: "subnet-0abc",
      keyName: "ops",
      associatePublicIpAddress: false,
      monitoring: true,
    });
    expect(ofType(recorded, GROUP).find((r) => r.name === "private-sg")!.inputs.vpcId).toBe("vpc-0abc");
    expect(await valueOf(m.publicIp)).toBeUndefined();
    expect(await valueOf(m.sshUser)).toBe("ec2-user");
  });

  it("refuses AWS-specific bad input before anything is created", () => {
    const before = recorded.length;
    expect(() => new Machine("b1", { image: { id: "ubuntu" } })).toThrow(/b1.image.id = "ubuntu": allowed an AMI id/);
    expect(() => new Machine("b2", { providerOptions: { aws: { subnetId: "subnet-0abc" } } })).toThrow(
      /b2.providerOptions.aws.vpcId/,
    );
    expect(() => new Machine("b3", { region: "mars-1" })).toThrow(/us-east-1, us-east-2/);
    expect(() => new Machine("b4", { size: { type: "t4g.small" }, arch: "x86_64" })).toThrow(/t4g.small is arm64/);
    expect(recorded.length).toBe(before);
  });
});
