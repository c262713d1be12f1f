/**
 * `machina status --live` from a refresh preview's events, in the shape the engine sends them (its
 * refresh steps end in `same` with the outputs read, changed or not, or `delete`).
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { liveMachines, liveText, RefreshObserver } from "../../dist/automation/live-status";
import libvirt from "../../dist/providers/libvirt";

const STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
const machineUrn = (name: string) => `urn:pulumi:dev::proj::machina:index:Machine::${name}`;
const childUrn = (type: string, name: string) => `urn:pulumi:dev::proj::machina:index:Machine$${type}::${name}`;
const LIBVIRT = "pulumi-nodejs:dynamic/machina:LibvirtMachine";
const IMAGE = "pulumi-nodejs:dynamic:Resource";

const stored = [
  { urn: STACK, type: "pulumi:pulumi:Stack" },
  { urn: machineUrn("web"), type: "machina:index:Machine", parent: STACK },
  { urn: childUrn(LIBVIRT, "web"), type: LIBVIRT, parent: machineUrn("web") },
  { urn: childUrn(IMAGE, "web-image"), type: IMAGE, parent: machineUrn("web") },
  { urn: machineUrn("db"), type: "machina:index:Machine", parent: STACK },
  { urn: childUrn(LIBVIRT, "db"), type: LIBVIRT, parent: machineUrn("db") },
];

function outputsEvent(
  urn: string,
  type: string,
  op: string,
  before: Record<string, unknown>,
  after?: Record<string, unknown>,
): EngineEvent {
  return {
    sequence: 0,
    timestamp: 0,
    resOutputsEvent: {
      metadata: {
        op,
        urn,
        type,
        provider: "",
        old: {
          type,
          urn,
          custom: true,
          delete: false,
          id: "x",
          parent: "",
          protect: false,
          inputs: {},
          outputs: before,
        },
        new: after && {
          type,
          urn,
          custom: true,
          delete: false,
          id: "x",
          parent: "",
          protect: false,
          inputs: {},
          outputs: after,
        },
      },
    },
  } as unknown as EngineEvent;
}

function observed(events: EngineEvent[]) {
  const observer = new RefreshObserver();
  for (const e of events) observer.observe(e);
  return observer.resources.values();
}

describe("live status", () => {
  it("reads each machine's state from the resource its provider names, and lists what changed as drift", () => {
    const running = { name: "web", state: "running", memoryMiB: 512 };
    const events = [
      // The pre-step event carries no outputs read yet; only the outputs event counts.
      {
        sequence: 0,
        timestamp: 0,
        resourcePreEvent: { metadata: { op: "refresh", urn: childUrn(LIBVIRT, "web"), type: LIBVIRT } },
      } as unknown as EngineEvent,
      outputsEvent(childUrn(LIBVIRT, "web"), LIBVIRT, "same", running, {
        ...running,
        state: "shut off",
        memoryMiB: 1024,
      }),
      outputsEvent(childUrn(IMAGE, "web-image"), IMAGE, "same", { path: "/a" }, { path: "/a" }),
      outputsEvent(childUrn(LIBVIRT, "db"), LIBVIRT, "same", { state: "running" }, { state: "running" }),
    ];
    const live = liveMachines(stored, observed(events), libvirt.state);
    expect(live).toEqual({
      web: {
        state: "stopped",
        drift: [{ resource: "web", type: LIBVIRT, change: "changed", fields: ["memoryMiB", "state"] }],
      },
      db: { state: "running", drift: [] },
    });
    expect(liveText(live)).toEqual([
      "  web: stopped now; drift: web (memoryMiB, state changed)",
      "  db: running now; no drift",
    ]);
  });

  it("a machine the platform no longer has is gone, whether the refresh finds it deleted or a refresh already dropped it", () => {
    const events = [outputsEvent(childUrn(LIBVIRT, "web"), LIBVIRT, "delete", { state: "running" })];
    const withoutDb = stored.filter((r) => r.urn !== childUrn(LIBVIRT, "db"));
    expect(liveMachines(withoutDb, observed(events), libvirt.state)).toEqual({
      web: { state: "gone", drift: [{ resource: "web", type: LIBVIRT, change: "gone", fields: [] }] },
      db: { state: "gone", drift: [] },
    });
  });

  it("without a state operation the state is unknown, and drift is still reported", () => {
    const events = [outputsEvent(childUrn(IMAGE, "web-image"), IMAGE, "same", { path: "/a" }, { path: "/b" })];
    expect(liveMachines(stored, observed(events), undefined).web).toEqual({
      state: "unknown",
      drift: [{ resource: "web-image", type: IMAGE, change: "changed", fields: ["path"] }],
    });
  });
});
