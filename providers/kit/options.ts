/**
 * Helpers to declare a provider's options once: an interface for the code, a schema for core (checks,
 * defaults, `machina info`), and a typed reader that replaces casts of `spec.options`.
 */
import type { OptionRefusal, ProviderOption, ResolvedMachineSpec } from "../../core/contract";

/** One declaration per option of `O`, each typed by the option's own type. */
export type OptionSchemaOf<O> = { [K in keyof O]-?: ProviderOption<Exclude<O[K], undefined>> };

/** The options with a declared default are always set once read. */
type Defaulted<O, S> = {
  [K in keyof O as S[K & keyof S] extends { default: infer D } ? (undefined extends D ? never : K) : never]-?: Exclude<
    O[K],
    undefined
  >;
};

export interface DeclaredOptions<O, S> {
  /** What the module exports as `options`. */
  schema: S;
  /**
   * The spec's options with the declared defaults filled in. Core has checked each value against its
   * declaration before `create` runs; in `validate`, read `spec.options` (values may still be wrong there).
   */
  read(spec: Pick<ResolvedMachineSpec, "options">): O & Defaulted<O, S>;
}

/**
 * Declares the options of type `O`: `defineOptions<AwsOptions>()({ subnetId: {...}, ... })`. The schema
 * must name every option of `O` (and no other), in the order `machina info` prints them.
 */
export function defineOptions<O>() {
  return <S extends OptionSchemaOf<O>>(schema: S & Record<Exclude<keyof S, keyof O>, never>): DeclaredOptions<O, S> => {
    const defaults = Object.fromEntries(
      Object.entries(schema as Record<string, ProviderOption>)
        .filter(([, option]) => option.default !== undefined)
        .map(([key, option]) => [key, option.default]),
    );
    return {
      schema,
      read: (spec) => {
        const set = Object.fromEntries(
          Object.entries(spec.options).filter(([, value]) => value !== undefined && value !== null),
        );
        return { ...defaults, ...set } as O & Defaulted<O, S>;
      },
    };
  };
}

/** A check that a value is a string matching `pattern`. */
export function matching(pattern: RegExp, refusal: OptionRefusal): ProviderOption["check"] {
  return (value) => (typeof value === "string" && pattern.test(value) ? undefined : refusal);
}

/** A check that a value is one of `choices`. */
export function oneOf(choices: readonly unknown[], refusal: OptionRefusal): ProviderOption["check"] {
  return (value) => (choices.includes(value) ? undefined : refusal);
}

/**
 * An escape-hatch option: an object merged over the resource arguments Machina builds (`instance`,
 * `server`, ...). With `checked`, a value that is not a plain object is refused.
 */
export function resourceArgsOption<T>(
  key: string,
  argsType: string,
  example: string,
  checked = true,
): ProviderOption<T> {
  return {
    type: `object (${argsType})`,
    description: `${argsType} merged over the arguments Machina builds`,
    check: checked
      ? (value) =>
          typeof value === "object" && value !== null && !Array.isArray(value)
            ? undefined
            : { allowed: `an object of ${argsType} merged over Machina's`, fix: `write ${key}: ${example}` }
      : undefined,
  };
}
