/**
 * What a run's engine events already say: the root stack's outputs and the count of changes. After
 * `up`, `refresh` and `destroy` the Automation API asks the engine for them again (`stack output`
 * twice, masked and with secrets, and `stack history`: an engine start each, about a second in all
 * here). Given the events, the stack answers from them; what the events did not say is asked as before.
 */
import type { EngineEvent, OutputMap, Stack, UpdateSummary } from "@pulumi/pulumi/automation";

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
/** How `stack output` shows a secret value. */
export const MASKED = "[secret]";
/** The engine's events keep a secret as an object marked with Pulumi's secret signature. */
const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(value: unknown): boolean {
  return (
    value === MASKED ||
    (typeof value === "object" &&
      value !== null &&
      (value as Record<string, unknown>)[SIGNATURE_KEY] === SECRET_SIGNATURE)
  );
}

/** The value with every secret in it, at any depth, shown as `stack output` shows it. */
function masked(value: unknown): unknown {
  if (isSecretValue(value)) return MASKED;
  if (Array.isArray(value)) return value.map(masked);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  return value;
}

export class EngineFacts {
  private rootOutputs?: OutputMap;
  private resourceChanges?: Record<string, number>;

  observe(event: EngineEvent): void {
    const done = event.resOutputsEvent?.metadata;
    if (done?.type === ROOT_STACK_TYPE && done.new) {
      this.rootOutputs = Object.fromEntries(
        Object.entries(done.new.outputs ?? {}).map(([key, value]) => [
          key,
          { value: masked(value), secret: isSecretValue(value) },
        ]),
      );
    }
    if (event.summaryEvent) this.resourceChanges = event.summaryEvent.resourceChanges as Record<string, number>;
  }

  /** Runs `fn` (an operation of `stack`) with `stack.outputs()` and `stack.info()` answered from the events. */
  async answering<T>(stack: Stack, kind: UpdateSummary["kind"], fn: () => Promise<T>): Promise<T> {
    const outputs = stack.outputs;
    const info = stack.info;
    stack.outputs = async () => this.rootOutputs ?? outputs.call(stack);
    stack.info = async (showSecrets?: boolean) =>
      this.resourceChanges
        ? ({ kind, result: "succeeded", resourceChanges: this.resourceChanges } as unknown as UpdateSummary)
        : info.call(stack, showSecrets);
    try {
      return await fn();
    } finally {
      stack.outputs = outputs;
      stack.info = info;
    }
  }
}
