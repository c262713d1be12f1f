/** Adopting an existing EC2 instance: its `i-...` id is the import id of the Instance Machina registers. */
import type { AdoptionPlan, ResolvedMachineSpec } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { adoptedPortsProblems as refusedAdoptedPorts, adoptIdProblem } from "../kit/adoption";

export const INSTANCE_TYPE = "aws:ec2/instance:Instance";

/**
 * What an adopted instance keeps as the platform has it: what only its launch read (AMI, user data,
 * key pair, root volume), its tags, and its networking (security groups, public address: Machina makes
 * no security group for it, and refuses `ports`). Pulumi's import compares the rest (instance type,
 * region, a zone or subnet the spec names) with the instance and names each field that differs.
 */
export const ADOPTED_AS_IS = [
  "ami",
  "userData",
  "userDataReplaceOnChange",
  "keyName",
  "rootBlockDevice",
  "tags",
  "vpcSecurityGroupIds",
  "associatePublicIpAddress",
];

export function awsAdopt(platformId: string): AdoptionPlan | FieldProblem[] {
  if (!/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(platformId)) {
    return adoptIdProblem(
      platformId,
      "an EC2 instance id: i- and 8 or 17 hexadecimal digits",
      "use the InstanceId from `aws ec2 describe-instances` (not its Name tag)",
    );
  }
  return { type: INSTANCE_TYPE, importId: platformId };
}

/** Ports on an adopted instance are refused: it keeps its own security groups. */
export const adoptedPortsProblems = (spec: ResolvedMachineSpec): FieldProblem[] =>
  refusedAdoptedPorts(spec, "instance", "its own security groups", "the instance's security group");
