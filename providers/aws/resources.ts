import { getAmiOutput } from "@pulumi/aws/ec2/getAmi";
import { getVpcOutput } from "@pulumi/aws/ec2/getVpc";
import type { InstanceArgs } from "@pulumi/aws/ec2/instance";
import { Instance } from "@pulumi/aws/ec2/instance";
import type { SecurityGroupArgs } from "@pulumi/aws/ec2/securityGroup";
import { transformed } from "../kit/transform";
import { KeyPair } from "@pulumi/aws/ec2/keyPair";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { InstanceState } from "@pulumi/aws/ec2transitgateway/instanceState";
import type * as awsInputs from "@pulumi/aws/types/input";
import * as pulumi from "@pulumi/pulumi";
import { sharedPerStack } from "../kit/shared";
import { firewallRules, withKeys } from "../kit/settled";
import { perRun } from "../kit/per-run";
import { MANAGED_LABELS } from "../../core/resolve/labels";
import type { Arch } from "../../core/arch";
import type { FirewallRule } from "../../core/firewall-rule";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { awsOptions } from "./options";
import { ec2UserData } from "./user-data";
import { awsPower, awsState } from "./power";
import { ADOPTED_AS_IS, awsAdopt, INSTANCE_TYPE } from "./adopt";
import { adoptionOptions, isAdopted } from "../kit/adoption";
import { requestedImage } from "../kit/requested-image";
import { machineStateOutput } from "../kit/machine-state";

const EVERYWHERE4 = ["0.0.0.0/0"];
const EVERYWHERE6 = ["::/0"];

/** A catalog image `lookup:<owner>:<name pattern>` as an AMI filter; the architecture comes from the size. */
export function amiQuery(id: string, arch: Arch) {
  const [, owner, pattern] = /^lookup:(\d+):(.+)$/.exec(id) ?? [];
  if (!owner) return undefined;
  return {
    owners: [owner],
    mostRecent: true,
    filters: [
      { name: "name", values: [pattern] },
      { name: "architecture", values: [arch === "arm64" ? "arm64" : "x86_64"] },
      { name: "virtualization-type", values: ["hvm"] },
      { name: "root-device-type", values: ["ebs"] },
    ],
  };
}

export function ingressRules(rules: FirewallRule[]): awsInputs.ec2.SecurityGroupIngress[] {
  return rules.map((r) => ({
    protocol: r.protocol,
    fromPort: r.port,
    toPort: r.toPort,
    cidrBlocks: r.sources.filter((s) => !s.includes(":")),
    ipv6CidrBlocks: r.sources.filter((s) => s.includes(":")),
    description: "machina",
  }));
}

export const EGRESS_ALL: awsInputs.ec2.SecurityGroupEgress[] = [
  { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: EVERYWHERE4, ipv6CidrBlocks: EVERYWHERE6 },
];

const DEFAULT_PROVIDER = {};

/**
 * A data-source lookup made once per program run for each distinct input and provider instance, and
 * shared by every Machine that needs it: ten Machines in one region make one AMI and one VPC lookup,
 * not ten of each. The provider instance is the one the Machine's options give for the token.
 */
function sharedLookup<T>(parent: pulumi.Resource, token: string, args: unknown, lookup: () => T): T {
  const provider: object = parent.getProvider(token) ?? DEFAULT_PROVIDER;
  const scopes = perRun<WeakMap<object, Map<string, unknown>>>("aws-lookups");
  let byProvider = scopes.get("by-provider");
  if (!byProvider) scopes.set("by-provider", (byProvider = new WeakMap()));
  let cache = byProvider.get(provider);
  if (!cache) byProvider.set(provider, (cache = new Map()));
  const key = `${token} ${JSON.stringify(args)}`;
  if (!cache.has(key)) cache.set(key, lookup());
  return cache.get(key) as T;
}

export function createEc2Instance(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const options = awsOptions.read(spec);
  const region = spec.region;
  const invokeOpts = { parent };

  // An adopted instance keeps its security groups (awsAdopt) and booted long ago: no key pair for it.
  const adopted = isAdopted(spec);
  const query = spec.image.kind === "snapshot" ? undefined : amiQuery(spec.image.id, spec.arch);
  const amiArgs = query && { ...query, region };
  const ami = amiArgs
    ? sharedLookup(parent, "aws:ec2/getAmi:getAmi", amiArgs, () => getAmiOutput(amiArgs, invokeOpts).id)
    : pulumi.output(spec.image.kind === "snapshot" ? (spec.image.snapshot ?? spec.image.id) : spec.image.id);
  const vpcArgs = { default: true, region };
  const vpcId = adopted
    ? undefined
    : (options.vpcId ??
      sharedLookup(parent, "aws:ec2/getVpc:getVpc", vpcArgs, () => getVpcOutput(vpcArgs, invokeOpts).id));

  // EC2 installs one key pair; every key also goes in through cloud-init (ec2UserData). The key
  // pair is the stack's own (AWS takes the same public key under several names); a key given as an
  // Output gets a key pair of its Machine's own, since a shared one is named by its content.
  const firstKey = spec.sshKeys[0];
  const keyPair =
    firstKey === undefined || adopted
      ? undefined
      : sharedPerStack(
          "aws",
          `key-${region}`,
          firstKey,
          (name, keyName, opts) =>
            new KeyPair(name, { keyName, publicKey: firstKey, region, tags: MANAGED_LABELS }, opts),
          { parent, type: "aws:ec2/keyPair:KeyPair" },
          { name: `${spec.name}-key`, platformName: spec.platformName },
        );
  const userData = withKeys(spec, ec2UserData);

  const group = adopted
    ? undefined
    : new SecurityGroup(
        ...transformed(
          options.transform?.securityGroup,
          `${spec.name}-sg`,
          {
            name: spec.platformName,
            description: `Machina ${spec.platformName}`,
            vpcId,
            region,
            ingress: firewallRules(spec, ingressRules),
            egress: EGRESS_ALL,
            tags: { ...spec.labels, Name: spec.platformName },
          } satisfies SecurityGroupArgs,
          { parent },
        ),
      );

  const instance = new Instance(
    ...transformed(
      options.transform?.instance,
      spec.name,
      {
        ami,
        instanceType: spec.size.type,
        region,
        availabilityZone: spec.zone,
        subnetId: options.subnetId,
        vpcSecurityGroupIds: group ? [group.id] : undefined,
        keyName: options.existingKeyName ?? keyPair?.keyName,
        userData,
        userDataReplaceOnChange: true,
        associatePublicIpAddress: spec.publicIp,
        rootBlockDevice: {
          volumeSize: spec.diskGiB ?? 20,
          volumeType: "gp3",
          encrypted: true,
          deleteOnTermination: true,
        },
        tags: { ...spec.labels, Name: spec.platformName },
        ...options.instance,
      } satisfies InstanceArgs,
      // The AMI found by lookup is pinned: a newer image never replaces a running instance; another
      // image asked for does.
      {
        parent,
        ignoreChanges: adopted ? ADOPTED_AS_IS : ["ami"],
        replacementTrigger: requestedImage(spec),
        ...adoptionOptions(spec, awsAdopt, INSTANCE_TYPE),
      },
    ),
  );

  // Always registered, so that a stop and a start change this one resource in place.
  const power = new InstanceState(
    `${spec.name}-power`,
    { instanceId: instance.id, region, ...awsPower(spec.powerState ?? "running").inputs },
    { parent },
  );

  return {
    id: instance.id,
    state: machineStateOutput(power.state, awsState),
    image: instance.ami,
    publicIp: spec.publicIp ? instance.publicIp : undefined,
    privateIp: instance.privateIp,
    details: {
      availabilityZone: instance.availabilityZone,
      subnetId: instance.subnetId,
      securityGroupId: group?.id,
      vpcId,
      keyName: instance.keyName,
    },
  };
}
