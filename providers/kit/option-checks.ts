import type { FieldProblem } from "../../core/errors";

/**
 * The start of every provider's `validate`: a problem list, a way to add to it, and one problem per
 * option of `providerOptions.<provider>` the provider does not know.
 */
export function optionChecks(provider: string, options: Record<string, unknown>, known: string[]) {
  const problems: FieldProblem[] = [];
  const add = (field: string, value: unknown, allowed: string, fix: string) =>
    problems.push({ field, value: value === undefined ? "undefined" : JSON.stringify(value), allowed, fix });
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      add(`providerOptions.${provider}.${key}`, options[key], known.join(", "), `remove ${key}`);
  }
  /** An escape-hatch option merged over Machina's resource args must be a plain object. */
  const objectOption = (key: string, argsType: string, example: string) => {
    const value = options[key];
    if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
      add(
        `providerOptions.${provider}.${key}`,
        value,
        `an object of ${argsType} merged over Machina's`,
        `write ${key}: ${example}`,
      );
    }
  };
  return { problems, add, objectOption };
}
