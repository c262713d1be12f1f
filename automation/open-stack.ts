/**
 * Opening a stack without `pulumi stack select`. The Automation API selects a stack by running the
 * engine (about 0.3 s here) to make it the workspace's current stack, which Machina never relies on:
 * every engine command it runs names its stack. A stack the file backend already holds is opened as it
 * is; any other stack is selected or created as the Automation API does it.
 */
import { existsSync } from "node:fs";
import type { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { checkpointFiles, fileBackendDir } from "./file-backend";

/** Whether the workspace's file backend holds a checkpoint of the stack (false for any other backend). */
export function storedInFileBackend(backendUrl: string | undefined, project: string, stackName: string): boolean {
  const dir = backendUrl ? fileBackendDir(backendUrl) : undefined;
  return dir !== undefined && checkpointFiles(dir, project, stackName).some((f) => existsSync(f));
}

export async function openStack(workspace: LocalWorkspace, stackName: string, stored: boolean): Promise<Stack> {
  const { Stack: StackClass } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  if (!stored) return StackClass.createOrSelect(stackName, workspace);
  const select = workspace.selectStack;
  workspace.selectStack = async () => undefined;
  try {
    return await StackClass.select(stackName, workspace);
  } finally {
    workspace.selectStack = select;
  }
}
