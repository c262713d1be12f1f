/** The machine's labels against the platform's label rules; Machina's own `managed-by` label is reserved. */
import type * as pulumi from "@pulumi/pulumi";
import type { LabelRules } from "../contract";
import { isDeferred } from "../deferred";
import type { FieldProblem } from "../errors";
import type { Resolution } from "./problems";
import { isObject, problem } from "./problems";

export const MANAGED_BY_LABEL = "managed-by";
/** The label (tag) Machina puts on what it makes, machines and shared resources alike. */
export const MANAGED_LABELS: Record<string, string> = { [MANAGED_BY_LABEL]: "machina" };

export const DEFAULT_LABEL_RULES: LabelRules = {
  keyPattern: "^[a-z][a-z0-9_-]*$",
  valuePattern: "^[a-z0-9_-]*$",
  maxKeyLength: 63,
  maxValueLength: 63,
  maxCount: 64,
  description: "lowercase letters, digits, '-' and '_'; keys start with a letter",
};

const NOT_AN_OBJECT = ["an object of string keys and string values", 'write labels: { team: "web" }'] as const;

/** One label value's problems on the platform; also run on a value given as an Output, once it resolves. */
export function checkLabelValue(key: string, label: unknown, rules: LabelRules, provider: string): FieldProblem[] {
  const field = `labels.${key}`;
  if (typeof label !== "string")
    return [problem(field, label, "a string", `quote the value: ${key}: "${String(label)}"`)];
  if (label.length > rules.maxValueLength || !new RegExp(rules.valuePattern).test(label)) {
    return [
      problem(
        field,
        label,
        `a value of at most ${rules.maxValueLength} characters on ${provider}: ${rules.description}`,
        "change the label value",
      ),
    ];
  }
  return [];
}

/** The labels; keys are plain, a value given as an Output stays in place and is checked when it resolves. */
export function checkLabels(
  labels: unknown,
  rules: LabelRules,
  provider: string,
): Resolution<Record<string, pulumi.Input<string>>> {
  if (labels === undefined) return { value: {}, problems: [] };
  if (!isObject(labels) || isDeferred(labels))
    return { value: {}, problems: [problem("labels", labels, ...NOT_AN_OBJECT)] };
  const keyRe = new RegExp(rules.keyPattern);
  const entries = Object.entries(labels);
  const problems: FieldProblem[] = [];
  if (entries.length + 1 > rules.maxCount) {
    problems.push(
      problem(
        "labels",
        `${entries.length} labels`,
        `at most ${rules.maxCount - 1} on ${provider} (one is Machina's ${MANAGED_BY_LABEL})`,
        "drop some labels",
      ),
    );
  }
  const value: Record<string, pulumi.Input<string>> = {};
  for (const [key, label] of entries) {
    if (key === MANAGED_BY_LABEL) {
      problems.push(
        problem(`labels.${key}`, label, `any key but ${MANAGED_BY_LABEL}, which Machina sets`, `rename the label`),
      );
    } else if (key.length === 0 || key.length > rules.maxKeyLength || !keyRe.test(key)) {
      problems.push(
        problem(
          `labels[${JSON.stringify(key)}]`,
          key,
          `a key of 1-${rules.maxKeyLength} characters on ${provider}: ${rules.description}`,
          "rename the label key",
        ),
      );
    } else if (isDeferred(label)) {
      value[key] = label as pulumi.Input<string>;
    } else {
      const found = checkLabelValue(key, label, rules, provider);
      if (found.length === 0) value[key] = label as string;
      problems.push(...found);
    }
  }
  return { value, problems };
}

/** The labels' shape alone, for when the provider (and so its label rules) is not known. */
export function checkLabelShape(labels: unknown) {
  if (labels === undefined) return [];
  if (!isObject(labels)) return [problem("labels", labels, ...NOT_AN_OBJECT)];
  return Object.entries(labels)
    .filter(([, value]) => typeof value !== "string" && !isDeferred(value))
    .map(([key, value]) => problem(`labels.${key}`, value, "a string", `quote the value: ${key}: "${String(value)}"`));
}
