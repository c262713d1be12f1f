/**
 * `machina list` across two stacks of one project on the real engine and libvirt: what the last runs
 * stored, `machina status --live` after one machine was stopped and the other deleted behind Pulumi's
 * back, then `list --refresh`.
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

  it("status --live reads the platform without writing the state: a machine stopped or deleted outside its stack", () => {
    // alpha is powered off behind Pulumi's back, beta deleted.
    execFileSync("virsh", ["-c", "qemu:///system", "destroy", domainOf("alpha")]);
    execFileSync("virsh", ["-c", "qemu:///system", "destroy", domainOf("beta")]);
    execFileSync("virsh", ["-c", "qemu:///system", "undefine", domainOf("beta")]);
    const live = (e: string) => machina(["--json", "status", "--live", "-e", e, "--project-dir", project], env);
    const alpha = live("alpha");
    expect(alpha.code, alpha.err).toBe(0);
    expect(alpha.json.outputs.machineOutputs.box.state, "the stored outputs are kept").toBe("running");
    expect(alpha.json.live.box.state).toBe("stopped");
    expect(alpha.json.live.box.drift).toEqual([
      expect.objectContaining({ resource: "box", change: "changed", fields: expect.arrayContaining(["state"]) }),
    ]);
    const beta = live("beta");
    expect(beta.code, beta.err).toBe(0);
    expect(beta.json.live.box.state).toBe("gone");
    expect(beta.json.live.box.drift).toContainEqual(expect.objectContaining({ resource: "box", change: "gone" }));
    const text = machina(["status", "--live", "-e", "alpha", "--project-dir", project], env);
    expect(text.out).toMatch(/^  box: stopped now; drift: box \(.*state.*changed\)$/m);
  });

  it("--refresh reads the platform first: a machine deleted outside its stack shows as gone", () => {
    // A refresh preview wrote nothing: the stored states are as the last up left them.
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
