import type { InstanceArgs } from "@pulumi/aws/ec2/instance";
import type * as pulumi from "@pulumi/pulumi";
import type { SecurityGroupArgs } from "@pulumi/aws/ec2/securityGroup";
import { defineOptions, matching, resourceArgsOption } from "../kit/options";
import type { Transform } from "../kit/transform";
import { transformOption } from "../kit/transform";

export interface AwsOptions {
  subnetId?: pulumi.Input<string>;
  vpcId?: pulumi.Input<string>;
  existingKeyName?: pulumi.Input<string>;
  instance?: Partial<InstanceArgs>;
  /** Typed transforms of the Machine's own resources (see the kit's Transform). */
  transform?: AwsTransforms;
}

export interface AwsTransforms {
  instance?: Transform<InstanceArgs>;
  securityGroup?: Transform<SecurityGroupArgs>;
}

/** `providerOptions.aws`. */
export const awsOptions = defineOptions<AwsOptions>()({
  subnetId: {
    type: "string",
    description: "the subnet the instance joins (needs vpcId)",
    defaultText: "the default subnet of the availability zone",
    input: true,
    check: matching(/^subnet-[0-9a-f]+$/, {
      allowed: "a subnet id (subnet-0123abcd...)",
      fix: "copy it from the VPC console or `aws ec2 describe-subnets`",
    }),
  },
  vpcId: {
    type: "string",
    description: "the VPC of the security group (and of subnetId)",
    defaultText: "the region's default VPC",
    input: true,
    check: matching(/^vpc-[0-9a-f]+$/, {
      allowed: "a VPC id (vpc-0123abcd...)",
      fix: "copy it from `aws ec2 describe-vpcs`",
    }),
  },
  existingKeyName: {
    type: "string",
    description: "an EC2 key pair that exists already, used instead of one Machina makes from sshKeys",
    input: true,
  },
  instance: resourceArgsOption("instance", "aws.ec2.InstanceArgs", "{ monitoring: true }"),
  transform: transformOption({ instance: "aws.ec2.InstanceArgs", securityGroup: "aws.ec2.SecurityGroupArgs" }),
});

declare module "../../core/spec" {
  /** `providerOptions.aws`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    aws?: AwsOptions;
  }
}
