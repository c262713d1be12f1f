import * as pulumi from "@pulumi/pulumi";
import type { FieldProblem } from "../core/errors";
import { ValidationError } from "../core/errors";

/**
 * An Input checked when its value is known: plain values are checked at construction; an Output
 * (from another resource, a secret) is checked when it resolves, with the same field-named error,
 * and every resource that consumes the returned Output fails before the platform is called.
 * Secrets stay secret: the check runs inside `apply`, and errors never render the value unless the
 * check chooses to.
 */
export function checkWhenResolved<T>(
  input: pulumi.Input<T>,
  subject: string,
  fieldPrefix: string,
  check: (value: T) => FieldProblem[],
): pulumi.Output<T> {
  return pulumi.output(input).apply((value) => {
    const problems = check(value as T);
    if (problems.length > 0) {
      throw new ValidationError(
        subject,
        problems.map((p) => ({ ...p, field: `${fieldPrefix}.${p.field}` })),
      );
    }
    return value as T;
  }) as pulumi.Output<T>;
}
