/** The `machina` commands (automation/cli.ts starts them): parsing, output, exit codes. */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { MachinaError, UnknownEnvironmentError, UnknownProviderError, UsageError } from "../core/errors";
import { classifyError } from "../core/failure";
import { resolveProvider } from "../providers/registry";
import { listEnvironments } from "../stacks/environment";
import {
  checkEnvironment,
  environmentSummaries,
  probePlatform,
  providerInfo,
  providerSummaries,
  validateEnvironment,
} from "./inspect";
import { installLazyRuntime } from "./lazy-runtime";
import type { Operation, ProgressEvent, RunOptions, Summary } from "./operations";
import type { PowerVerb } from "./power";

/**
 * A module behind the engine's commands, loaded when one runs (`providers`, `info` and `validate` start
 * without them), after the stand-in for Pulumi's runtime: the CLI runs no inline program, so the runtime
 * loads only if something really uses it.
 */
function engineModule<T>(load: () => T): () => T {
  return () => {
    installLazyRuntime();
    return load();
  };
}
const operations = engineModule(() => require("./operations") as typeof import("./operations"));
const power = engineModule(() => require("./power") as typeof import("./power"));
const snapshots = engineModule(() => require("./snapshots") as typeof import("./snapshots"));
const adoption = engineModule(() => require("./adopt") as typeof import("./adopt"));
const machineList = engineModule(() => require("./list") as typeof import("./list"));
const liveStatus = engineModule(() => require("./live-status") as typeof import("./live-status"));

const SYMBOL: Record<string, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  "create-replacement": "+-",
  "delete-replaced": "--",
  same: " ",
  refresh: ">",
  read: ">",
};

function progressLine(e: ProgressEvent): string | undefined {
  if (e.op === "same" && e.phase !== "failed") return undefined;
  const verb = e.phase === "start" ? "..." : e.phase === "done" ? "done" : "FAILED";
  return `${SYMBOL[e.op] ?? "?"} ${e.op} ${e.type} ${e.name} ${verb}`;
}

function machinesText(outputs: Record<string, unknown>): string[] {
  const machines = (outputs.machineOutputs ?? {}) as Record<
    string,
    { ssh?: string; publicIp?: string; privateIp?: string; type?: string; state?: string }
  >;
  return Object.entries(machines).map(
    ([name, m]) =>
      `  ${name}: ${m.type ?? "?"}, address ${m.publicIp ?? m.privateIp ?? "none"}${m.ssh ? `, ${m.ssh}` : ""}${m.state ? ` (${m.state})` : ""}`,
  );
}

export function summaryText(s: Summary): string {
  const counts =
    Object.entries(s.changes)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ") || "nothing";
  const lines = [
    `${s.operation} ${s.stack}: ${s.ok ? "ok" : "FAILED"} in ${s.durationSeconds.toFixed(1)} s (${counts})`,
  ];
  const r = s.recovered;
  if (r) {
    for (const l of r.removedLocks) lines.push(`  recovered: removed ${l}`);
    for (const p of r.clearedPendingCreates)
      lines.push(`  recovered: cleared interrupted ${p} (its next create cleans up what it left)`);
    for (const p of r.remainingPending)
      lines.push(`  pending, left alone: ${p}: check it on the platform, then pulumi refresh --clear-pending-creates`);
  }
  if (s.ok && s.operation !== "destroy" && s.operation !== "preview") lines.push(...machinesText(s.outputs));
  for (const name of s.goneMachines ?? [])
    lines.push(`  ${name}: gone (deleted outside the stack; \`machina up\` creates it again)`);
  if (s.error) lines.push(s.error);
  if (s.failure) lines.push(failureLine(s.failure));
  return lines.join("\n");
}

function failureLine(f: NonNullable<Summary["failure"]>): string {
  const wait = f.retryAfterSeconds !== undefined ? ` (retry after ${f.retryAfterSeconds} s)` : "";
  return `hint [${f.class}${f.retryable ? ", retryable" : ""}]: ${f.hint}${wait}`;
}

function sshKeyConfig(file: string | undefined): Record<string, string> {
  if (!file) return {};
  if (!existsSync(file))
    throw new UsageError(`--ssh-key-file ${file}: no such file (create one with ssh-keygen -t ed25519)`);
  const key = readFileSync(file, "utf8").trim();
  if (/PRIVATE KEY/.test(key))
    throw new UsageError(`--ssh-key-file ${file} is a private key: pass the .pub file next to it`);
  return { "machina:sshKeys[0]": key };
}

function parseConfig(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const i = pair.indexOf("=");
      const key = i > 0 ? pair.slice(0, i) : "";
      // Pulumi config keys are namespace:name (a path may follow: machina:sshKeys[0]).
      if (i <= 0 || !/^[A-Za-z][\w.-]*:[^\s=]+$/.test(key)) {
        throw new UsageError(
          `--config ${JSON.stringify(pair)}: write namespace:key=value, e.g. --config libvirt:network=user`,
        );
      }
      return [key, pair.slice(i + 1)];
    }),
  );
}

/** Usage mistakes the CLI finds before anything runs: exit 2 (an unknown environment or provider, no project). */
function checkTarget(projectDir: string, environment: string, provider?: string): void {
  if (!existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new UsageError(`${projectDir} has no Pulumi.yaml: pass --project-dir, or run from the project`);
  }
  const environments = listEnvironments(projectDir);
  if (!environments.includes(environment)) throw new UnknownEnvironmentError(environment, environments);
  if (provider !== undefined) resolveProvider(provider);
}

/** Exit codes a pipeline can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2, changesPending: 3, locked: 4 } as const;

/** The exit code of a finished run's summary. */
function exitCodeOf(summary: Summary): number {
  if (summary.ok) return EXIT.ok;
  if (summary.failure?.class === "unexpected-changes") return EXIT.changesPending;
  return summary.lockedBy ? EXIT.locked : EXIT.failed;
}

/** The project: --project-dir, else the current directory when it holds Pulumi.yaml, else Machina's own. */
function projectDir(option: string | undefined): string {
  if (option) return path.resolve(option);
  if (existsSync(path.join(process.cwd(), "Pulumi.yaml"))) return process.cwd();
  return path.resolve(__dirname, "..", "..");
}

/** Progress lines on stdout (dimmed on a terminal), warnings and errors on stderr; nothing under --json. */
function reporting(json: boolean, tty: boolean): Pick<RunOptions, "onProgress" | "onMessage"> {
  if (json) return {};
  return {
    onProgress: (e: ProgressEvent) => {
      const line = progressLine(e);
      if (line) process.stdout.write(tty ? `\x1b[2m${line}\x1b[0m\n` : `${line}\n`);
    },
    onMessage: (severity: string, message: string) => {
      if (severity === "error" || severity === "warning") process.stderr.write(`${severity}: ${message}\n`);
    },
  };
}

function print(json: boolean, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
}

export function buildCli(): Command {
  const program = new Command("machina")
    .description("Machines on any provider, one environment per stack")
    .option("--project-dir <dir>", "the Pulumi project (default: the current directory if it has Pulumi.yaml)")
    .option("--json", "machine-readable output")
    .exitOverride()
    .showHelpAfterError();

  const globals = () => program.opts<{ projectDir?: string; json?: boolean }>();

  program
    .command("providers")
    .description("list the built-in providers and what they can do")
    .action(() => {
      const list = providerSummaries();
      const width = Math.max(...list.map((p) => p.name.length));
      print(
        !!globals().json,
        list,
        list
          .map(
            (p) =>
              `${p.name.padEnd(width)}  ${p.description}\n${" ".repeat(width)}  capabilities: ${p.capabilities.join(", ")}`,
          )
          .join("\n"),
      );
    });

  program
    .command("environments")
    .description("list the environments (stacks/Pulumi.<environment>.yaml) and their default providers")
    .action(() => {
      const list = environmentSummaries(projectDir(globals().projectDir));
      print(
        !!globals().json,
        list,
        list.map((e) => `${e.name.padEnd(12)} provider ${e.provider ?? "(none)"}, ${e.machines} machine(s)`).join("\n"),
      );
    });

  program
    .command("info")
    .description("what a provider needs (credentials, tools, SDK) and offers (regions, sizes, images)")
    .argument("<provider>")
    .action((name: string) => {
      resolveProvider(name);
      process.stdout.write(`${providerInfo(name, projectDir(globals().projectDir))}\n`);
    });

  program
    .command("validate")
    .description(
      "check an environment on a provider before anything is created: config, every machine, credentials, tools",
    )
    .requiredOption("-e, --environment <environment>", "development, staging, production, ...")
    .option("-p, --provider <name>", "run the environment on this provider instead of its default")
    .action(async (opts: { environment: string; provider?: string }) => {
      checkTarget(projectDir(globals().projectDir), opts.environment, opts.provider);
      const report = validateEnvironment(projectDir(globals().projectDir), opts.environment, opts.provider);
      if (report.provider && report.problems.length === 0) {
        const probe = await probePlatform(report.provider, {
          projectDir: projectDir(globals().projectDir),
          environment: opts.environment,
          stack: report.stack,
          images: report.machines.map((m) => m.image),
        });
        report.problems.push(...probe.problems);
        if (probe.facts.length > 0) report.platform = probe.facts;
      }
      const lines = [`environment ${report.environment} on ${report.provider || "?"} (stack ${report.stack || "?"})`];
      for (const m of report.machines) {
        const price = m.hourlyPrice === undefined ? "" : `, ${m.hourlyPrice} ${report.currency}/h`;
        lines.push(
          `  ${m.name}: ${m.type} in ${m.region}, image ${m.image}${price}, ports ${m.ports.join(" ") || "none"}`,
        );
      }
      for (const fact of report.platform ?? []) lines.push(`  platform: ${fact}`);
      if (report.problems.length > 0) {
        lines.push("problems:", ...report.problems.map((p) => `  - ${p.replace(/\n/g, "\n    ")}`));
      } else {
        lines.push("ok");
      }
      print(!!globals().json, report, lines.join("\n"));
      if (report.problems.length > 0) process.exitCode = EXIT.failed;
    });

  const stackOptions = (cmd: Command) =>
    cmd
      .requiredOption("-e, --environment <environment>", "development, staging, production, ...")
      .option("-p, --provider <name>", "run the environment on this provider (its own stack and state)")
      .option(
        "-c, --config <key=value>",
        "extra stack config (repeatable)",
        (v: string, all: string[]) => [...all, v],
        [] as string[],
      )
      .option(
        "--ssh-key-file <file>",
        "install this public key on every machine (stored as the stack's machina:sshKeys)",
      );

  for (const [operation, description] of [
    ["preview", "show what up would change"],
    ["up", "create or update the environment's machines and wait until they answer"],
    ["refresh", "read the real state of the machines into the stack (finds drift)"],
    ["destroy", "remove every resource of the environment's stack"],
  ] as [Operation, string][]) {
    const cmd = stackOptions(program.command(operation).description(description));
    if (operation === "preview")
      cmd.option("--expect-no-changes", `exit ${EXIT.changesPending} when anything would change`);
    cmd.action(
      async (opts: {
        environment: string;
        provider?: string;
        config: string[];
        sshKeyFile?: string;
        expectNoChanges?: boolean;
      }) => {
        const json = !!globals().json;
        const tty = !json && process.stdout.isTTY;
        const config = parseConfig(opts.config);
        // The key stays in the stack's config: a later `up` without --ssh-key-file keeps it on the machines.
        const keepConfig = sshKeyConfig(opts.sshKeyFile);
        checkTarget(projectDir(globals().projectDir), opts.environment, opts.provider);
        const summary = await operations().run(
          operation,
          {
            environment: opts.environment,
            provider: opts.provider,
            projectDir: projectDir(globals().projectDir),
            config,
            keepConfig,
          },
          {
            ...reporting(json, tty),
            expectNoChanges: operation === "preview" && !!opts.expectNoChanges,
          },
        );
        print(json, summary, summaryText(summary));
        if (!summary.ok) process.exitCode = exitCodeOf(summary);
      },
    );
  }

  for (const [verb, description] of [
    [
      "stop",
      "stop a machine in place (kept, with its disk): recorded as machina:power in the stack's file, then a targeted up",
    ],
    ["start", "start a stopped machine (recorded in machina:power), then wait until it answers"],
    ["restart", "stop and start a machine, keeping it (its disk, address and id)"],
  ] as [PowerVerb, string][]) {
    stackOptions(
      program.command(verb).description(description).argument("<machine>", "the machine's name (web, web-2, ...)"),
    ).action(
      async (
        machine: string,
        opts: { environment: string; provider?: string; config: string[]; sshKeyFile?: string },
      ) => {
        const json = !!globals().json;
        const config = parseConfig(opts.config);
        const keepConfig = sshKeyConfig(opts.sshKeyFile);
        checkTarget(projectDir(globals().projectDir), opts.environment, opts.provider);
        const summaries = await power().changePower(
          verb,
          machine,
          {
            environment: opts.environment,
            provider: opts.provider,
            projectDir: projectDir(globals().projectDir),
            config,
            keepConfig,
          },
          reporting(json, !json && process.stdout.isTTY),
        );
        print(json, summaries, summaries.map(summaryText).join("\n"));
        const failed = summaries.find((s) => !s.ok);
        if (failed) process.exitCode = exitCodeOf(failed);
      },
    );
  }

  type StackOpts = { environment: string; provider?: string; config: string[]; sshKeyFile?: string };
  const stackTarget = (opts: StackOpts) => {
    const dir = projectDir(globals().projectDir);
    checkTarget(dir, opts.environment, opts.provider);
    return {
      environment: opts.environment,
      provider: opts.provider,
      projectDir: dir,
      config: parseConfig(opts.config),
      keepConfig: sshKeyConfig(opts.sshKeyFile),
    };
  };

  stackOptions(
    program
      .command("snapshot")
      .description(
        "take a consistent copy of a machine's disk: recorded as machina:snapshots in the stack's file, then a targeted up",
      )
      .argument("<machine>", "the machine's name (web, web-2, ...)")
      .option("--name <name>", "the snapshot's name (default <machine>-<UTC time>)"),
  ).action(async (machine: string, opts: StackOpts & { name?: string }) => {
    const json = !!globals().json;
    const summary = await snapshots().takeSnapshot(machine, stackTarget(opts), {
      ...reporting(json, !json && process.stdout.isTTY),
      name: opts.name,
    });
    const taken = (summary.outputs.snapshotOutputs as Record<string, { id?: string }> | undefined)?.[summary.snapshot];
    const restore = summary.ok
      ? `  snapshot ${summary.snapshot}: ${taken?.id ?? "?"} (restore with image: { snapshot: ${summary.snapshot} })`
      : "";
    print(json, summary, [summaryText(summary), restore].filter(Boolean).join("\n"));
    if (!summary.ok) process.exitCode = exitCodeOf(summary);
  });

  stackOptions(
    program
      .command("delete-snapshot")
      .description("delete a snapshot's copy and forget it (machines restored from it keep their own full copy)")
      .argument("<name>", "the snapshot's name (machina snapshots lists them)"),
  ).action(async (name: string, opts: StackOpts) => {
    const json = !!globals().json;
    const summary = await snapshots().deleteSnapshot(
      name,
      stackTarget(opts),
      reporting(json, !json && process.stdout.isTTY),
    );
    print(json, summary, summaryText(summary));
    if (!summary.ok) process.exitCode = exitCodeOf(summary);
  });

  program
    .command("snapshots")
    .description("the snapshots of an environment's stack, as its last up left them")
    .requiredOption("-e, --environment <environment>", "development, staging, production, ...")
    .option("-p, --provider <name>", "the environment's stack on this provider")
    .action((opts: { environment: string; provider?: string }) => {
      const dir = projectDir(globals().projectDir);
      checkTarget(dir, opts.environment, opts.provider);
      const stack = checkEnvironment(dir, opts.environment, opts.provider).stack || opts.environment;
      const { listSnapshots, snapshotListText } = snapshots();
      const list = listSnapshots(dir, stack);
      print(!!globals().json, list, snapshotListText(list));
    });
  stackOptions(
    program
      .command("adopt")
      .description(
        "take over a machine that exists already (made by hand or another tool) as one of the environment's machines: recorded as machina:adopted in the stack's file, then a targeted up; destroying it leaves the machine unless --delete-on-destroy",
      )
      .argument("<platform-id>", "the platform's id of the machine (`machina info <provider>` says which id)")
      .requiredOption("--as <machine>", "the environment's machine that becomes it (its spec must describe it)")
      .option("--delete-on-destroy", "destroying the Machine deletes the adopted machine too"),
  ).action(
    async (
      platformId: string,
      opts: {
        as: string;
        deleteOnDestroy?: boolean;
        environment: string;
        provider?: string;
        config: string[];
        sshKeyFile?: string;
      },
    ) => {
      const json = !!globals().json;
      checkTarget(projectDir(globals().projectDir), opts.environment, opts.provider);
      const summary = await adoption().adoptMachine(
        platformId,
        opts.as,
        {
          environment: opts.environment,
          provider: opts.provider,
          projectDir: projectDir(globals().projectDir),
          config: parseConfig(opts.config),
          keepConfig: sshKeyConfig(opts.sshKeyFile),
        },
        { deleteOnDestroy: !!opts.deleteOnDestroy },
        reporting(json, !json && process.stdout.isTTY),
      );
      print(json, summary, summaryText(summary));
      if (!summary.ok) process.exitCode = exitCodeOf(summary);
    },
  );

  program
    .command("list")
    .description("every machine of every stack of the project: provider, region, type, address, state, price")
    .option("--refresh", "refresh each stack first and list machines deleted outside it as gone")
    .action(async (opts: { refresh?: boolean }) => {
      const { listMachines, machineListText } = machineList();
      const list = await listMachines(projectDir(globals().projectDir), { refresh: !!opts.refresh });
      print(!!globals().json, list, machineListText(list));
      if (list.problems.length > 0) process.exitCode = EXIT.failed;
    });

  stackOptions(
    program
      .command("status")
      .description("the stack's last run, resources and outputs")
      .option(
        "--live",
        "read every machine from the platform (a refresh preview; nothing is written): live state and drift",
      ),
  ).action(async (opts: { environment: string; provider?: string; live?: boolean }) => {
    checkTarget(projectDir(globals().projectDir), opts.environment, opts.provider);
    const s = await operations().status(
      { environment: opts.environment, provider: opts.provider, projectDir: projectDir(globals().projectDir) },
      { live: !!opts.live },
    );
    if (!s.ok) {
      print(!!globals().json, s, summaryText(s));
      process.exitCode = exitCodeOf(s);
      return;
    }
    const last = s.lastUpdate
      ? `last ${s.lastUpdate.kind} ${s.lastUpdate.result}${s.lastUpdate.endTime ? ` at ${s.lastUpdate.endTime}` : ""}`
      : "never run";
    const gone = (s.goneMachines ?? []).map(
      (name) => `  ${name}: gone (deleted outside the stack; \`machina up\` creates it again)`,
    );
    print(
      !!globals().json,
      s,
      [
        `${s.stack}: ${s.resources} resources, ${last}`,
        ...machinesText(s.outputs),
        ...gone,
        ...(s.live ? ["live (read from the platform now):", ...liveStatus().liveText(s.live)] : []),
      ].join("\n"),
    );
  });

  return program;
}

/** A mistake in how Machina was called. */
function isUsageError(e: unknown): boolean {
  return e instanceof UsageError || e instanceof UnknownEnvironmentError || e instanceof UnknownProviderError;
}

/** An error that ends the command: one line on stderr (JSON on stdout under --json), never a stack trace. */
function reportError(argv: string[], e: unknown, code: number, prefix = ""): number {
  const message = `${prefix}${e instanceof Error ? e.message : String(e)}`;
  if (argv.includes("--json")) {
    const failure = classifyError(e);
    process.stdout.write(`${JSON.stringify({ ok: false, error: message, failure, exitCode: code }, null, 2)}\n`);
  } else {
    process.stderr.write(`machina: ${message}\n`);
    if (code !== EXIT.usage) process.stderr.write(`machina: ${failureLine(classifyError(e))}\n`);
  }
  if (process.env.MACHINA_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return code;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isUsageError(e)) return reportError(argv, e, EXIT.usage);
    if (e instanceof MachinaError) return reportError(argv, e, EXIT.failed);
    return reportError(argv, e, EXIT.failed, "unexpected error: ");
  }
}

/** Runs the command line and exits with its code. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`machina: unexpected error: ${(e as Error)?.message ?? e}\n`);
      process.exit(EXIT.failed);
    },
  );
}
