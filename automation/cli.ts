#!/usr/bin/env node
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { MachinaError } from "../components/errors";
import { environmentSummaries, providerInfo, providerSummaries, validateEnvironment } from "./inspect";

/** Exit codes a pipeline can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The project: --project-dir, else the current directory when it holds Pulumi.yaml, else Machina's own. */
function projectDir(option: string | undefined): string {
  if (option) return path.resolve(option);
  if (existsSync(path.join(process.cwd(), "Pulumi.yaml"))) return process.cwd();
  return path.resolve(__dirname, "..", "..");
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
      print(!!globals().json, list, list.map((p) => `${p.name.padEnd(width)}  ${p.description}\n${" ".repeat(width)}  capabilities: ${p.capabilities.join(", ")}`).join("\n"));
    });

  program
    .command("environments")
    .description("list the environments (stacks/Pulumi.<environment>.yaml) and their default providers")
    .action(() => {
      const list = environmentSummaries(projectDir(globals().projectDir));
      print(!!globals().json, list, list.map((e) => `${e.name.padEnd(12)} provider ${e.provider ?? "(none)"}, ${e.machines} machine(s)`).join("\n"));
    });

  program
    .command("info")
    .description("what a provider needs (credentials, tools, SDK) and offers (regions, sizes, images)")
    .argument("<provider>")
    .action((name: string) => {
      process.stdout.write(`${providerInfo(name, projectDir(globals().projectDir))}\n`);
    });

  program
    .command("validate")
    .description("check an environment on a provider before anything is created: config, every machine, credentials, tools")
    .requiredOption("-e, --environment <environment>", "development, staging, production, ...")
    .option("-p, --provider <name>", "run the environment on this provider instead of its default")
    .action((opts: { environment: string; provider?: string }) => {
      const report = validateEnvironment(projectDir(globals().projectDir), opts.environment, opts.provider);
      const lines = [`environment ${report.environment} on ${report.provider || "?"} (stack ${report.stack || "?"})`];
      for (const m of report.machines) {
        const price = m.hourlyPrice === undefined ? "" : `, ${m.hourlyPrice} ${report.currency}/h`;
        lines.push(`  ${m.name}: ${m.type} in ${m.region}, image ${m.image}${price}, ports ${m.ports.join(" ") || "none"}`);
      }
      if (report.problems.length > 0) {
        lines.push("problems:", ...report.problems.map((p) => `  - ${p.replace(/\n/g, "\n    ")}`));
      } else {
        lines.push("ok");
      }
      print(!!globals().json, report, lines.join("\n"));
      if (report.problems.length > 0) process.exitCode = EXIT.failed;
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof MachinaError) {
      process.stderr.write(`machina: ${e.message}\n`);
      return EXIT.failed;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`machina: unexpected error: ${(e as Error).stack ?? e}\n`);
      process.exit(EXIT.failed);
    },
  );
}
