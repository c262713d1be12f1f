/**
 * A provider's options, checked and described from its one declaration (`ProviderModule.options`):
 * an option it does not declare is refused, and so is each value its check refuses.
 */
import type { ProviderModule, ProviderOption } from "./contract";
import type { FieldProblem } from "./errors";

const rendered = (value: unknown) => (value === undefined ? "undefined" : JSON.stringify(value));

/** The problems of `providerOptions.<provider>` against the provider's declaration; none when it declares none. */
export function optionProblems(provider: ProviderModule, options: Record<string, unknown>): FieldProblem[] {
  const schema = provider.options;
  if (!schema) return [];
  const known = Object.keys(schema);
  const field = (key: string) => `providerOptions.${provider.name}.${key}`;
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(schema, key)) {
      problems.push({ field: field(key), value: rendered(value), allowed: known.join(", "), fix: `remove ${key}` });
    }
  }
  for (const [key, option] of Object.entries(schema)) {
    const value = options[key];
    if (value === undefined || !option.check) continue;
    const refusal = option.check(value);
    if (refusal) problems.push({ field: field(key), value: rendered(value), ...refusal });
  }
  return problems;
}

/** How `machina info` shows one option's default. */
function defaultOf(option: ProviderOption): string | undefined {
  if (option.default !== undefined) return JSON.stringify(option.default);
  return option.defaultText;
}

export interface OptionDescription {
  name: string;
  type: string;
  description: string;
  default?: string;
}

/** The provider's options as `machina info` lists them. */
export function describeOptions(provider: ProviderModule): OptionDescription[] {
  return Object.entries(provider.options ?? {}).map(([name, option]) => ({
    name,
    type: option.type,
    description: option.description,
    default: defaultOf(option),
  }));
}
