/**
 * Stack files a person wrote: malformed YAML names the file, line and column; every problem of a file
 * is reported at once; an environment name the labels cannot carry asks to rename the environment.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkEnvironment, validateEnvironment } from "../../dist/automation/inspect";
import { run } from "../../dist/automation/operations";
import { StackFileError } from "../../dist/core/errors";
import { listEnvironments, readEnvironmentFile, readYamlFile } from "../../dist/stacks/environment";

let dir: string;

function project(
  files: Record<string, string>,
  pulumiYaml = "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n",
): string {
  const p = mkdtempSync(path.join(dir, "p-"));
  writeFileSync(path.join(p, "Pulumi.yaml"), pulumiYaml);
  mkdirSync(path.join(p, "stacks"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(p, "stacks", `Pulumi.${name}.yaml`), text);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "machina-stack-files-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("malformed YAML", () => {
  it("names the file, line and column, with the line", () => {
    const p = project({
      qa: "config:\n  machina:provider: libvirt\n  machina:machines:\n    - name: web\n     size: small\n",
    });
    const e = (() => {
      try {
        readEnvironmentFile(p, "qa");
      } catch (err) {
        return err as StackFileError;
      }
      throw new Error("no error");
    })();
    expect(e).toBeInstanceOf(StackFileError);
    expect(e.problems).toEqual([expect.objectContaining({ line: 5, column: 1 })]);
    expect(e.message).toMatch(/Pulumi\.qa\.yaml:5:1: Sequence item without - indicator\n/);
    expect(e.message).toContain("     size: small");
    expect(e.message).not.toMatch(/\n\s+at /);
  });

  it("every syntax error of a file, duplicate keys included", () => {
    const file = path.join(dir, "dup.yaml");
    writeFileSync(file, "config:\n  machina:provider: libvirt\n  machina:provider: hetzner\n  x: [1, 2\n");
    expect(() => readYamlFile(file)).toThrow(StackFileError);
    try {
      readYamlFile(file);
    } catch (e) {
      const problems = (e as StackFileError).problems;
      expect(problems[0]).toMatchObject({
        line: 3,
        column: 3,
        message: expect.stringMatching(/^Map keys must be unique/),
      });
      expect(problems.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("a top level or config that is not a map", () => {
    const list = path.join(dir, "list.yaml");
    writeFileSync(list, "- a\n- b\n");
    expect(() => readYamlFile(list)).toThrow(/list\.yaml:1:1: the file must be a map/);
    const config = path.join(dir, "config.yaml");
    writeFileSync(config, "# comment\nconfig:\n  - machina:provider\n");
    expect(() => readYamlFile(config)).toThrow(/config\.yaml:3:3: config must be a map/);
    const empty = path.join(dir, "empty.yaml");
    writeFileSync(empty, "# nothing yet\n");
    expect(readYamlFile(empty)).toEqual({});
  });

  it("in Pulumi.yaml too", () => {
    const p = project({ qa: "config: {}\n" }, "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n\tmain: x\n");
    expect(() => listEnvironments(p)).toThrow(/Pulumi\.yaml:4:1: Tabs are not allowed as indentation/);
  });

  it("validate and up report it as a problem, with no stack trace", async () => {
    const p = project({ qa: "config:\n  machina:provider: libvirt\n  machina:machines: [ { name: web }\n" });
    const report = validateEnvironment(p, "qa");
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/Pulumi\.qa\.yaml:\d+:\d+: /);
    const summary = await run("up", { environment: "qa", projectDir: p });
    expect(summary).toMatchObject({ ok: false, stack: "qa", failure: { class: "invalid-spec", retryable: false } });
    expect(summary.error).toMatch(/Pulumi\.qa\.yaml:\d+:\d+: /);
    expect(summary.error).not.toMatch(/\n\s+at /);
  });
});

describe("every problem at once", () => {
  const FILE = `config:
  machina:provider: 42
  machina:region: [1]
  machina:machines:
    - name: web
      size: huge
      ports: [70000]
    - name: db
      count: -1
`;

  it("stack-level problems do not hide machine-level ones", () => {
    const p = project({ qa: FILE });
    const { problems } = checkEnvironment(p, "qa");
    const all = problems.join("\n");
    expect(all).toContain("machina:provider = 42");
    expect(all).toContain("machina:region = [1]");
    expect(all).toContain("machina:machines[1].count = -1");
    expect(all).toContain('web.size = "huge"');
    expect(all).toContain("web.ports[0] = 70000");
  });

  it("an unknown provider does not hide the machines' problems", () => {
    const p = project({
      qa: "config:\n  machina:provider: vultr\n  machina:machines:\n    - name: web\n      size: huge\n",
    });
    const all = checkEnvironment(p, "qa").problems.join("\n");
    expect(all).toMatch(/unknown provider "vultr"/);
    expect(all).toContain('web.size = "huge"');
  });

  it("with a provider, each machine is checked against it, every machine", () => {
    const p = project({
      qa: "config:\n  machina:provider: hetzner\n  machina:labels: nope\n  machina:machines:\n    - name: web\n      region: atlantis\n    - name: db\n      size: { type: cx99 }\n      image: nosuch\n",
    });
    const all = checkEnvironment(p, "qa").problems.join("\n");
    expect(all).toContain("machina:labels");
    expect(all).toContain('web.region = "atlantis"');
    expect(all).toContain('db.image = "nosuch"');
  });

  it("up lists them all before the engine starts", async () => {
    const p = project({ qa: FILE });
    const summary = await run("up", { environment: "qa", projectDir: p });
    expect(summary.ok).toBe(false);
    expect(summary.failure?.class).toBe("invalid-spec");
    for (const text of [
      "machina:provider = 42",
      "machina:machines[1].count",
      'web.size = "huge"',
      "web.ports[0] = 70000",
    ])
      expect(summary.error).toContain(text);
  });

  it("per-run config (-c) counts, as the program would read it", () => {
    const p = project({
      qa: "config:\n  machina:provider: libvirt\n  machina:machines:\n    - name: web\n      size: nano\n      ports: [8080]\n",
    });
    expect(checkEnvironment(p, "qa").problems.join("\n")).toMatch(/ports/);
    expect(checkEnvironment(p, "qa", undefined, { "libvirt:network": "user" }).problems).toEqual([]);
  });
});

describe("an environment name the labels cannot carry", () => {
  it("asks to rename the environment, not to change a label value", () => {
    for (const name of ["qa.eu", "Staging"]) {
      const p = project({ [name]: "config:\n  machina:provider: gcp\n  machina:machines:\n    - name: web\n" });
      const all = checkEnvironment(p, name).problems.join("\n");
      expect(all).toContain(`environment = ${JSON.stringify(name)}`);
      expect(all).toMatch(
        /Fix: rename the environment: stacks\/Pulumi\.\S+\.yaml to stacks\/Pulumi\.(qa-eu|staging)\.yaml/,
      );
      expect(all).not.toMatch(/change the label value/);
    }
  });

  it("is fine where the provider's labels allow it", () => {
    const p = project({ Staging: "config:\n  machina:provider: aws\n  machina:machines:\n    - name: web\n" });
    expect(checkEnvironment(p, "Staging").problems).toEqual([]);
  });
});

describe("reading a well-formed file", () => {
  const ROOT = path.resolve(__dirname, "../..");
  const stackFiles = [
    "Pulumi.yaml",
    ...readdirSync(path.join(ROOT, "stacks"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `stacks/${f}`),
    ...readdirSync(path.join(ROOT, "examples")).flatMap((e) =>
      readdirSync(path.join(ROOT, "examples", e))
        .filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f))
        .map((f) => `examples/${e}/${f}`),
    ),
  ];

  it.each(stackFiles)("gives what the yaml package gives for %s", (file) => {
    const full = path.join(ROOT, file);
    expect(readYamlFile(full)).toEqual(parse(readFileSync(full, "utf8")) ?? {});
  });

  it("gives YAML 1.2's core types: no dates, no yes/no booleans, octal as 0o", () => {
    const p = project({});
    const file = path.join(p, "Pulumi.yaml");
    writeFileSync(file, "name: shop\nconfig:\n  a: 2026-01-01\n  b: yes\n  c: 0o17\n  d: 017\n  e: ~\n  f: .inf\n");
    expect(readYamlFile(file)).toEqual({
      name: "shop",
      config: { a: "2026-01-01", b: "yes", c: 15, d: 17, e: null, f: Infinity },
    });
  });

  it("reads the file again when it changed, and a caller's change to what it got is not seen by the next", () => {
    const p = project({});
    const file = path.join(p, "Pulumi.yaml");
    const first = readYamlFile(file);
    first.name = "changed by the caller";
    expect(readYamlFile(file).name).toBe("shop");
    writeFileSync(file, "name: other\nruntime: nodejs\n");
    expect(readYamlFile(file).name).toBe("other");
  });
});
