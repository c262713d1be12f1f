/** Where Pulumi's file backend (`file://<dir>`) keeps things. */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";

/** The directory of a file backend (`file://...`), or undefined for any other backend. */
export function fileBackendDir(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  const dir = backendUrl.slice("file://".length).replace(/\?.*$/, "");
  return dir.startsWith("~") ? path.join(homedir(), dir.slice(1)) : path.resolve(dir);
}

/** Where the file backend keeps a stack's checkpoint: project-scoped or legacy layout, plain or gzipped. */
export function checkpointFiles(backendDir: string, project: string, stackName: string): string[] {
  const root = path.join(backendDir, ".pulumi", "stacks");
  return [path.join(root, project, stackName), path.join(root, stackName)].flatMap((f) => [
    `${f}.json`,
    `${f}.json.gz`,
  ]);
}

/** A checkpoint file's text, plain or gzipped. */
export function readCheckpointText(file: string): string {
  const raw = readFileSync(file);
  return (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
}
