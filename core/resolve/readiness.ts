/** `waitForReady`: off, SSH on port 22, or a port and a timeout. */
import type { FieldProblem } from "../errors";
import type { ReadinessSpec } from "../spec";
import type { Resolution } from "./problems";
import { isObject, isPositiveNumber, problem } from "./problems";

export const DEFAULT_READY_TIMEOUT_SECONDS = 300;

export function checkReadiness(value: unknown): Resolution<ReadinessSpec | undefined> {
  if (value === undefined || value === false) return { value: undefined, problems: [] };
  if (value === true) return { value: { port: 22, timeoutSeconds: DEFAULT_READY_TIMEOUT_SECONDS }, problems: [] };
  if (!isObject(value)) {
    return {
      value: undefined,
      problems: [
        problem("waitForReady", value, "true, false, or { port?, timeoutSeconds? }", "write waitForReady: true"),
      ],
    };
  }
  const port = value.port ?? 22;
  const timeoutSeconds = value.timeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS;
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    problems.push(
      problem(
        "waitForReady.port",
        port,
        "an integer from 1 to 65535",
        "use the port of the service that proves the machine is up (22 for SSH)",
      ),
    );
  }
  if (!isPositiveNumber(timeoutSeconds) || timeoutSeconds > 3600)
    problems.push(
      problem("waitForReady.timeoutSeconds", timeoutSeconds, "a number of seconds from 1 to 3600", "use e.g. 300"),
    );
  return { value: { port: port as number, timeoutSeconds: timeoutSeconds as number }, problems };
}
