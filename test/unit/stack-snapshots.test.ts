/**
 * The stack program with `machina:snapshots`: each becomes a Snapshot of its machine, and a machine
 * whose image names one of them restores from it, built after it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installMachinaMocks, settle, valueOf } from "../../dist/testing";

const project = mkdtempSync(path.join(tmpdir(), "machina-stack-snapshots-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("stack program with snapshots", () => {
  it("takes each snapshot of its machine and restores the machine that names one from it", async () => {
    mkdirSync(path.join(project, "stacks"));
    writeFileSync(path.join(project, "Pulumi.yaml"), "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n");
    writeFileSync(path.join(project, "stacks", "Pulumi.qa.yaml"), "config: {}\n");
    process.env.MACHINA_PROJECT_DIR = project;
    process.env.MACHINA_CACHE_DIR = "/cache/machina";
    const config = {
      "machina:provider": "libvirt",
      "libvirt:network": "user",
      "machina:machines": JSON.stringify([
        // Listed first, built after the Snapshot it restores from.
        { name: "copy", image: { snapshot: "web-before" } },
        { name: "web", image: "busybox-offline" },
      ]),
      "machina:snapshots": JSON.stringify({ "web-before": "web" }),
    };
    const recorded = installMachinaMocks({ project: "shop", stack: "qa", config });
    const program = (await import("../../dist/stacks/index.js")) as unknown as {
      snapshotOutputs: Record<string, import("@pulumi/pulumi").Output<Record<string, unknown>>>;
      machineOutputs: Record<string, import("@pulumi/pulumi").Output<Record<string, unknown>>>;
    };
    const snapshot = await valueOf(program.snapshotOutputs["web-before"]);
    await settle();
    const copy = "/cache/machina/snapshots/shop-qa-web-before.qcow2";
    expect(snapshot).toMatchObject({ id: copy, machine: "web", provider: "libvirt" });
    expect(Object.keys(program.machineOutputs)).toEqual(["copy", "web"]);
    expect((await valueOf(program.machineOutputs.copy)).image).toBe(copy);
    const order = recorded
      .filter((r) => ["machina:index:Machine", "machina:index:Snapshot"].includes(r.type))
      .map((r) => `${r.type.split(":").pop()} ${r.name}`);
    expect(order).toEqual(["Machine web", "Snapshot web-before", "Machine copy"]);
    const snap = recorded.find((r) => r.type === "pulumi-nodejs:dynamic/machina:LibvirtSnapshot")!;
    expect(snap.inputs).toMatchObject({
      domain: "shop-qa-web",
      labels: { environment: "qa", "managed-by": "machina" },
    });
    const base = recorded.find((r) => r.name === "copy-snapshot-image")!;
    expect(base.inputs).toEqual({ source: `snapshot:${copy}` });
  });
});
