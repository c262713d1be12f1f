/** Base class of every error Machina raises on purpose. */
export class MachinaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** One problem with one field of a machine spec. */
export interface FieldProblem {
  /** Path of the field, e.g. `web.ports[1]`. */
  field: string;
  /** The offending value, already rendered (secrets are never rendered). */
  value: string;
  /** What the field accepts. */
  allowed: string;
  /** How to fix it. */
  fix: string;
}

export function renderValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/** A spec that cannot be built; lists every problem found, not just the first. */
export class ValidationError extends MachinaError {
  readonly problems: FieldProblem[];
  constructor(subject: string, problems: FieldProblem[]) {
    super(
      `${subject}: ${problems.length} invalid field${problems.length === 1 ? "" : "s"}\n` +
        problems.map((p) => `  - ${p.field} = ${p.value}: allowed ${p.allowed}. Fix: ${p.fix}`).join("\n"),
    );
    this.problems = problems;
  }
}

export class UnknownProviderError extends MachinaError {
  constructor(
    readonly provider: string,
    readonly known: string[],
  ) {
    super(
      `unknown provider ${JSON.stringify(provider)}: known providers are ${known.join(", ")}. ` +
        `Set machina:provider (or the Machine's provider argument) to one of them, ` +
        `or name an installed npm package whose default export is a Machina provider.`,
    );
  }
}

export class UnknownEnvironmentError extends MachinaError {
  constructor(
    readonly environment: string,
    readonly known: string[],
  ) {
    super(
      `unknown environment ${JSON.stringify(environment)}: known environments are ${known.join(", ")}. ` +
        `Add stacks/Pulumi.${environment}.yaml to create it.`,
    );
  }
}

/** Something the selected provider needs that is not there: a credential, a tool, an SDK package. */
export class MissingPrerequisiteError extends MachinaError {
  constructor(
    readonly provider: string,
    readonly missing: string[],
  ) {
    super(`provider ${provider} cannot run here:\n${missing.map((m) => `  - ${m}`).join("\n")}`);
  }
}

/** A stack or project file that is not valid YAML (or not the shape Pulumi reads): file, line and column. */
export class StackFileError extends MachinaError {
  constructor(
    readonly file: string,
    readonly problems: { line: number; column: number; message: string }[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join("\n"));
  }
}

/** A mistake in how Machina was called (an unknown environment or provider, a missing file, a bad option). */
export class UsageError extends MachinaError {}

/** Every problem of an environment's stack files, found before anything runs. */
export class InvalidEnvironmentError extends MachinaError {
  constructor(
    readonly environment: string,
    readonly problems: string[],
  ) {
    super(
      `environment ${environment}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n${problems.map((p) => `- ${p.replace(/\n/g, "\n  ")}`).join("\n")}`,
    );
  }
}
