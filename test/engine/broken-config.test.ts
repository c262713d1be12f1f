/**
 * A stack whose config was broken after its machines were made can still be torn down: `up` refuses
 * and lists the problem, `destroy` (which does not run the program) removes the machines.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxEnvironment, domainExists, enginePath, machina, makeProject } from "./support";

const ENV = busyboxEnvironment();
const DOMAIN = "machina-broken-broken-box";
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  project = makeProject({ broken: ENV }, "machina-broken");
  env = { ...process.env, PATH: enginePath() };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
}, 900_000);

afterAll(() => {
  if (domainExists(DOMAIN)) machina(["destroy", "-e", "broken", "--project-dir", project], env);
  rmSync(project, { recursive: true, force: true });
});

describe("a stack with broken config", () => {
  it("up refuses with the problem; destroy still removes its machines", () => {
    const cli = (...args: string[]) => machina(["--json", ...args, "-e", "broken", "--project-dir", project], env);
    const up = cli("up");
    expect(up.code, up.out + up.err).toBe(0);
    expect(domainExists(DOMAIN)).toBe(true);

    const file = path.join(project, "stacks", "Pulumi.broken.yaml");
    // A problem of the environment's config itself (the stack's name depends on reading it), and one of a machine.
    writeFileSync(
      file,
      readFileSync(file, "utf8")
        .replace("size: nano", "size: huge")
        .replace("  machina:machines:", "  machina:labels: [not, a, map]\n  machina:machines:"),
    );
    const refused = cli("up");
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatch(/box\.size = "huge"/);
    expect(refused.json.error).toMatch(/machina:labels = \["not","a","map"\]/);
    expect(domainExists(DOMAIN)).toBe(true);

    const destroy = cli("destroy");
    expect(destroy.code, destroy.out + destroy.err).toBe(0);
    expect(destroy.json.changes.delete).toBeGreaterThanOrEqual(2);
    expect(domainExists(DOMAIN)).toBe(false);
  }, 600_000);
});
