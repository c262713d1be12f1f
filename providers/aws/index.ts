import { optionChecks } from "../kit/option-checks";
import type { ProviderModule } from "../../core/contract";
import catalog from "./catalog.json";
import { ec2UserData } from "./user-data";

const KNOWN_OPTIONS = ["subnetId", "vpcId", "existingKeyName", "instance"];

/** AWS EC2 through @pulumi/aws (narrow `@pulumi/aws/ec2` imports, loaded only when a machine is created). */
const aws: ProviderModule = {
  name: "aws",
  description: "AWS EC2 instances (T3/M7i x86_64, T4g/M7g Graviton arm64) through @pulumi/aws",
  requirements: {
    sdkPackage: "@pulumi/aws",
    credentials: [
      {
        name: "AWS credentials",
        configKeys: ["aws:accessKey", "aws:profile"],
        secretConfigKeys: ["aws:secretKey", "aws:token"],
        envVars: ["AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"],
        howTo:
          "Use an IAM user's access key (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), a profile from ~/.aws/config, or web identity in CI.",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: true, firewall: true, resizeInPlace: true },
  catalog: catalog as ProviderModule["catalog"],
  validate(spec) {
    const o = spec.options;
    const { problems, add, objectOption } = optionChecks("aws", o, KNOWN_OPTIONS);
    if (o.subnetId !== undefined && !(typeof o.subnetId === "string" && /^subnet-[0-9a-f]+$/.test(o.subnetId))) {
      add(
        "providerOptions.aws.subnetId",
        o.subnetId,
        "a subnet id (subnet-0123abcd...)",
        "copy it from the VPC console or `aws ec2 describe-subnets`",
      );
    }
    if (o.vpcId !== undefined && !(typeof o.vpcId === "string" && /^vpc-[0-9a-f]+$/.test(o.vpcId))) {
      add("providerOptions.aws.vpcId", o.vpcId, "a VPC id (vpc-0123abcd...)", "copy it from `aws ec2 describe-vpcs`");
    }
    if (o.subnetId !== undefined && o.vpcId === undefined) {
      add(
        "providerOptions.aws.vpcId",
        undefined,
        "the VPC of subnetId (the security group must be in it)",
        "set vpcId next to subnetId",
      );
    }
    if (spec.image.kind !== "alias" && !/^ami-[0-9a-f]+$/.test(spec.image.id)) {
      add(
        `image.${spec.image.kind}`,
        spec.image.id,
        "an AMI id (ami-0123abcd...)",
        "use an alias, or the AMI id of your image or snapshot",
      );
    }
    objectOption("instance", "aws.ec2.InstanceArgs", "{ monitoring: true }");
    return problems;
  },
  platformUserData: (spec, userData) => ec2UserData(spec, userData),
  create(spec, parent) {
    const { createEc2Instance } = require("./resources") as typeof import("./resources");
    return createEc2Instance(spec, parent);
  },
};

export default aws;
