/** What every resolver returns: the value it resolved (undefined when it cannot) and the problems it found. */
import type { FieldProblem } from "../errors";
import { renderValue } from "../errors";

export interface Resolution<T> {
  value: T;
  /** Fields relative to the Machine (`ports[0].port`; empty for the Machine itself). */
  problems: FieldProblem[];
}

/** One problem of a field; `hideValue` for what must never be printed (a private key). */
export function problem(field: string, value: unknown, allowed: string, fix: string, hideValue = false): FieldProblem {
  return { field, value: hideValue ? "<hidden>" : renderValue(value), allowed, fix };
}

/** The problems with each field put under the Machine's name (`web.ports[0]`; the name alone for the Machine). */
export function underMachine(name: string, problems: FieldProblem[]): FieldProblem[] {
  const prefix = name || "machine";
  return problems.map((p) => ({ ...p, field: p.field ? `${prefix}.${p.field}` : prefix }));
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const isPositiveNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;
