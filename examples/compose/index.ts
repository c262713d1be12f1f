/**
 * A Machine inside an ordinary Pulumi program: its SSH key comes from a `tls.PrivateKey`, its network
 * from a VPC and subnet made here, a database port is open to the VPC's own range, and a DNS record
 * points at its address. Every value that comes from another resource is an Output, checked by
 * Machina when it resolves.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { Machine } from "pulumi-machina";
// Types providerOptions.aws (a typo there is a type error) and its transforms.
import type {} from "pulumi-machina/providers/aws";

const config = new pulumi.Config();

const key = new tls.PrivateKey("deploy", { algorithm: "ED25519" });
const vpc = new aws.ec2.Vpc("shop", { cidrBlock: "10.20.0.0/16", enableDnsHostnames: true });
const subnet = new aws.ec2.Subnet("shop-public", {
  vpcId: vpc.id,
  cidrBlock: "10.20.1.0/24",
  mapPublicIpOnLaunch: true,
});

const db = new Machine(
  "db",
  {
    provider: "aws",
    region: "eu-central-1",
    size: { cpus: 2, memoryGiB: 4 },
    image: "debian-12",
    sshKeys: [key.publicKeyOpenssh],
    labels: { team: "shop", vpc: vpc.id },
    ports: [{ port: 5432, sources: [vpc.cidrBlock] }],
    providerOptions: {
      aws: {
        vpcId: vpc.id,
        subnetId: subnet.id,
        // A typed transform of the instance Machina makes.
        transform: { instance: (args) => void (args.monitoring = true) },
      },
    },
  },
  // Kept when the stack is destroyed by mistake, with its key pair and security group.
  { protect: config.getBoolean("protect") ?? false },
);

new aws.route53.Record("db", {
  zoneId: config.require("zoneId"),
  name: `db.${config.require("domain")}`,
  type: "A",
  ttl: 300,
  records: [db.publicIp.apply((ip) => ip ?? "")],
});

export const ssh = db.ssh;
export const privateIp = db.privateIp;
export const privateKey = key.privateKeyOpenssh;
