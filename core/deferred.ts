/**
 * Values known only when a deployment runs: a `pulumi.Input` that is an Output (from another
 * resource, a StackReference, a secret) or a promise. Core loads no Pulumi runtime, so it tells them
 * by shape; it never reads them, it only leaves them in place for the Machine to check when they resolve.
 */
export function isDeferred(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  return (
    (value as { __pulumiOutput?: unknown }).__pulumiOutput === true ||
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** A deferred value, or a list holding one (`[vpc.cidrBlock]`). */
export function holdsDeferred(value: unknown): boolean {
  return isDeferred(value) || (Array.isArray(value) && value.some(isDeferred));
}
