import type { ProviderModule } from "../../core/contract";
import { CONTRACT_VERSION } from "../../core/contract-version";
import type { FieldProblem } from "../../core/errors";
import catalog from "./catalog.json";
import { awsOptions } from "./options";
import { ec2UserData } from "./user-data";
import { awsLiveState, awsPower } from "./power";

/** AWS EC2 through @pulumi/aws (narrow `@pulumi/aws/ec2` imports, loaded only when a machine is created). */
const aws: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
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
  state: awsLiveState,
  catalog: catalog as ProviderModule["catalog"],
  options: awsOptions.schema,
  validate(spec) {
    const o = spec.options;
    const problems: FieldProblem[] = [];
    if (o.subnetId !== undefined && o.vpcId === undefined) {
      problems.push({
        field: "providerOptions.aws.vpcId",
        value: "undefined",
        allowed: "the VPC of subnetId (the security group must be in it)",
        fix: "set vpcId next to subnetId",
      });
    }
    if (spec.image.kind !== "alias" && !/^ami-[0-9a-f]+$/.test(spec.image.id)) {
      problems.push({
        field: `image.${spec.image.kind}`,
        value: JSON.stringify(spec.image.id),
        allowed: "an AMI id (ami-0123abcd...)",
        fix: "use an alias, or the AMI id of your image or snapshot",
      });
    }
    return problems;
  },
  power: awsPower,
  platformUserData: (spec, userData) => ec2UserData(spec, userData),
  create(spec, parent) {
    const { createEc2Instance } = require("./resources") as typeof import("./resources");
    return createEc2Instance(spec, parent);
  },
};

export default aws;
export type { AwsOptions, AwsTransforms } from "./options";
export type { Transform } from "../kit/transform";
