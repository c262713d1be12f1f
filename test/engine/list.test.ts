/**
 * `machina list` across two stacks of one project on the real engine and libvirt: what the last runs
 * stored, then `--refresh` after one machine was deleted behind Pulumi's back.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxEnvironment, domainExists, enginePath, machina, makeProject } from "./support";

const ENVIRONMENTS = ["alpha", "beta"];
const PROJECT = "machina-list";
const domainOf = (environment: string) => `${PROJECT}-${environment}-box`;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  const busybox = busyboxEnvironment({ waitForReadySeconds: 180 });
  project = makeProject(Object.fromEntries(ENVIRONMENTS.map((e) => [e, busybox])), PROJECT);
  env = { ...process.env, PATH: enginePath() };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
}, 900_000);

afterAll(() => {
  for (const e of ENVIRONMENTS) machina(["destroy", "-e", e, "--project-dir", project], env);
  rmSync(project, { recursive: true, force: true });
});

const list = (...args: string[]) => machina(["--json", "list", ...args, "--project-dir", project], env);

describe("machina list", () => {
  it("shows the machines of every stack, as their last runs left them", () => {
    expect(list().json).toEqual({ machines: [], problems: [] });
    for (const e of ENVIRONMENTS) {
      const up = machina(["--json", "up", "-e", e, "--project-dir", project], env);
      expect(up.code, up.err).toBe(0);
    }
    const shown = list();
    expect(shown.code, shown.err).toBe(0);
    expect(
      shown.json.machines.map((m: Record<string, unknown>) => [m.stack, m.environment, m.provider, m.name, m.type]),
    ).toEqual([
      ["alpha", "alpha", "libvirt", "box", "1cpu-0.5gb"],
      ["beta", "beta", "libvirt", "box", "1cpu-0.5gb"],
    ]);
    for (const m of shown.json.machines) {
      expect(m.state).toBe("running");
      expect(m.hourlyPrice).toBe(0);
      expect(m.ssh).toMatch(/^ssh -p \d+ machina@127\.0\.0\.1$/);
    }
    const text = machina(["list", "--project-dir", project], env);
    expect(text.out).toMatch(/^alpha\s+box\s+libvirt\s+\S+\s+1cpu-0\.5gb\s+\S+\s+running\s+0 USD$/m);
  });

  it("--refresh reads the platform first: a machine deleted outside its stack shows as gone", () => {
    execFileSync("virsh", ["-c", "qemu:///system", "destroy", domainOf("beta")]);
    execFileSync("virsh", ["-c", "qemu:///system", "undefine", domainOf("beta")]);
    expect(list().json.machines.map((m: Record<string, unknown>) => m.state)).toEqual(["running", "running"]);
    const refreshed = list("--refresh");
    expect(refreshed.code, refreshed.err).toBe(0);
    expect(refreshed.json.machines.map((m: Record<string, unknown>) => [m.stack, m.state])).toEqual([
      ["alpha", "running"],
      ["beta", "gone"],
    ]);
    expect(domainExists(domainOf("alpha"))).toBe(true);
  });
});
