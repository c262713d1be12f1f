import type { FieldProblem } from "../components/errors";

/**
 * The start of every provider's `validate`: a problem list, a way to add to it, and one problem per
 * option of `providerOptions.<provider>` the provider does not know.
 */
export function optionChecks(provider: string, options: Record<string, unknown>, known: string[]) {
  const problems: FieldProblem[] = [];
  const add = (field: string, value: unknown, allowed: string, fix: string) =>
    problems.push({ field, value: value === undefined ? "undefined" : JSON.stringify(value), allowed, fix });
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) add(`providerOptions.${provider}.${key}`, options[key], known.join(", "), `remove ${key}`);
  }
  return { problems, add };
}
