/**
 * A provider's options, checked and described from its one declaration (`ProviderModule.options`):
 * an option it does not declare is refused, and so is each value its check refuses.
 */
import type { ProviderModule, ProviderOption } from "./contract";
import { holdsDeferred } from "./deferred";
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
    if (value === undefined) continue;
    if (holdsDeferred(value)) {
      // An input option is checked when it resolves (optionValueProblems); any other must be known now.
      if (!option.input) {
        problems.push({
          field: field(key),
          value: "<an Output>",
          allowed: `a plain ${option.type}: ${key} decides which resources Machina makes, so it must be known when the program runs`,
          fix: `give ${key} a plain value (from stack config, or a constant)`,
        });
      }
      continue;
    }
    problems.push(...optionValueProblems(provider, key, value));
  }
  return problems;
}

/** One option value's problems against its declaration; also run on an input option's Output, once it resolves. */
export function optionValueProblems(provider: ProviderModule, key: string, value: unknown): FieldProblem[] {
  const refusal = provider.options?.[key]?.check?.(value);
  return refusal ? [{ field: `providerOptions.${provider.name}.${key}`, value: rendered(value), ...refusal }] : [];
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
  /** The option takes a pulumi.Input (an Output of another resource). */
  input?: true;
}

/** The provider's options as `machina info` lists them. */
export function describeOptions(provider: ProviderModule): OptionDescription[] {
  return Object.entries(provider.options ?? {}).map(([name, option]) => ({
    name,
    type: option.type,
    description: option.description,
    default: defaultOf(option),
    ...(option.input ? { input: true as const } : {}),
  }));
}
