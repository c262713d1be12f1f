/**
 * AWS Machines share their lookups: one AMI and one VPC lookup per distinct input and provider
 * instance in a program, however many Machines use them (against AWS each lookup is an API call).
 */
import { describe, expect, it } from "vitest";
import { invokes, KEY_A, machinaUnderMocks, settle, valueOf } from "../../dist/testing";

const { Machine } = machinaUnderMocks({ project: "shop", stack: "fleet", config: { "machina:provider": "aws" } });
const { Provider } = require("@pulumi/aws/provider") as typeof import("@pulumi/aws/provider");

const AMI = "aws:ec2/getAmi:getAmi";
const VPC = "aws:ec2/getVpc:getVpc";
const count = (token: string, region: string) =>
  invokes.filter((i) => i.token === token && i.inputs.region === region).length;

describe("aws lookups", () => {
  it("ten Machines alike make one AMI and one VPC lookup, and each gets the image and VPC found", async () => {
    const machines = Array.from(
      { length: 10 },
      (_, i) => new Machine(`web-${i}`, { image: "ubuntu-24.04", region: "eu-west-1", sshKeys: [KEY_A] }),
    );
    const images = await Promise.all(machines.map((m) => valueOf(m.image)));
    await settle();
    expect(new Set(images)).toEqual(new Set(["ami-0123456789abcdef0"]));
    const vpcs = await Promise.all(machines.map((m) => valueOf(m.details)));
    expect(new Set(vpcs.map((d) => d.vpcId))).toEqual(new Set(["vpc-0default"]));
    expect(count(AMI, "eu-west-1")).toBe(1);
    expect(count(VPC, "eu-west-1")).toBe(1);
  });

  it("a different input (architecture, region) or another provider instance gets a lookup of its own", async () => {
    const other = new Provider("other-account", { region: "eu-north-1" });
    const machines = [
      new Machine("x86", { image: "debian-12", region: "eu-north-1" }),
      new Machine("x86-again", { image: "debian-12", region: "eu-north-1" }),
      new Machine("arm", { image: "debian-12", arch: "arm64", size: "small", region: "eu-north-1" }),
      new Machine("elsewhere", { image: "debian-12", region: "us-west-2" }),
      new Machine("other", { image: "debian-12", region: "eu-north-1" }, { providers: { aws: other } }),
      new Machine("other-again", { image: "debian-12", region: "eu-north-1" }, { providers: { aws: other } }),
    ];
    await Promise.all(machines.map((m) => valueOf(m.image)));
    await settle();
    // eu-north-1: x86 and arm64 on the default provider, x86 on the other one.
    expect(count(AMI, "eu-north-1")).toBe(3);
    expect(count(VPC, "eu-north-1")).toBe(2);
    expect(count(AMI, "us-west-2")).toBe(1);
    expect(count(VPC, "us-west-2")).toBe(1);
  });
});
