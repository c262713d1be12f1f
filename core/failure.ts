/**
 * What kind of failure an error message describes, for code that drives Machina: whether to fix
 * something, wait, or run again. Data-driven: the first rule (in table order) with a matching pattern
 * decides the class; a rule may override the class's default `retryable`.
 */

export const FAILURE_CLASSES = [
  "invalid-spec",
  "credentials",
  "quota",
  "rate-limit",
  "not-found",
  "timeout",
  "platform",
  "conflict",
  "unexpected-changes",
  "unknown",
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export interface Failure {
  class: FailureClass;
  /** Whether running the same thing again, unchanged, may succeed. */
  retryable: boolean;
  /** When the platform said how long to wait ("Retry-After: 30", "retry after 30s"). */
  retryAfterSeconds?: number;
  /** One line: what to do about it. */
  hint: string;
}

interface ClassInfo {
  retryable: boolean;
  hint: string;
}

export const FAILURE_CLASS_INFO: Record<FailureClass, ClassInfo> = {
  "invalid-spec": {
    retryable: false,
    hint: "fix the spec or config named above (`machina validate` lists every problem), then run again",
  },
  credentials: {
    retryable: false,
    hint: "the provider refused or is missing credentials: `machina info <provider>` says which config key or env variable it reads",
  },
  quota: {
    retryable: false,
    hint: "a quota or capacity limit was reached: free resources, raise the quota, or pick another size or region",
  },
  "rate-limit": { retryable: true, hint: "the platform is throttling requests: wait, then run again" },
  "not-found": {
    retryable: false,
    hint: "something named does not exist (an image, region, network, tool or plugin, or a resource removed outside the stack: `machina refresh`)",
  },
  timeout: {
    retryable: true,
    hint: "an operation took too long: run again, or raise the timeout (e.g. waitForReady.timeoutSeconds)",
  },
  platform: {
    retryable: true,
    hint: "the platform failed on its side: run again; if it persists, check the platform's status (or the libvirt daemon)",
  },
  conflict: { retryable: true, hint: "another run or resource is in the way: wait until it is done, then run again" },
  "unexpected-changes": {
    retryable: false,
    hint: "the stack's resources differ from its program: read the preview, then run `up` (or find what changed them)",
  },
  unknown: { retryable: false, hint: "see the message above" },
};

interface Rule {
  class: FailureClass;
  /** Overrides the class default. */
  retryable?: boolean;
  patterns: RegExp[];
}

/**
 * Ordered: specific rules before general ones (a Kubernetes "forbidden: exceeded quota" is a quota, not
 * a permission; a libvirt "Timed out ... state change lock" is a conflict, not a timeout).
 */
export const FAILURE_RULES: Rule[] = [
  // Machina's own checks name the field, the file position or the unknown name: nothing else applies.
  {
    class: "invalid-spec",
    patterns: [
      /: \d+ invalid fields?\n/,
      /^unknown (provider|environment) "/m,
      /\.yaml:\d+:\d+: /,
      /names no provider: set machina:provider/,
      /stack names? (may only contain|are limited to|must)|invalid stack name/i,
    ],
  },
  // A preview that was to find nothing found changes (Machina's summary, or the engine's own words).
  {
    class: "unexpected-changes",
    patterns: [/found changes where none were expected/, /no changes were expected but changes were proposed/i],
  },
  // Another run of the stack, or a resource busy with another action.
  {
    class: "conflict",
    patterns: [
      /another `?\w+`? of this stack is running/i,
      /ConcurrentUpdateError/,
      /the stack is currently locked/i,
      /\[409\] Conflict: Another update is currently in progress/i,
      /cannot acquire state change lock/i,
      /Failed to get "?\w+"? lock/i,
      /the object has been modified; please apply your changes to the latest version/i,
      /\blocked\b.*\b(another action|is locked)\b|resource_locked|\(locked\)|"code":\s*"locked"/i,
      /IncorrectInstanceState|IncorrectState\b/,
      /OperationNotAllowed.*another operation|AnotherOperationInProgress|OperationPreempted/i,
      /resourceInUseByAnotherResource|Error 409:.*(in use|already being)/i,
    ],
  },
  // Names taken and state that will not change by waiting: conflicts a person resolves.
  {
    class: "conflict",
    retryable: false,
    patterns: [
      /already exists|AlreadyExists|InvalidKeyPair\.Duplicate|uniqueness_error|Duplicate\w*Name|name is already (used|in use|taken)/i,
      /Requested operation is not valid: domain is already (running|active)/i,
      /belongs to (project|nobody Machina knows)/i,
      /was replaced outside this stack and is left alone/i,
    ],
  },
  // Rate limits before quotas: AWS RequestLimitExceeded is a rate limit, LimitExceeded a quota.
  {
    class: "rate-limit",
    patterns: [
      /RequestLimitExceeded|Throttling(Exception)?\b|Rate exceeded|TooManyRequests(Exception)?/,
      /rateLimitExceeded|RATE_LIMIT_EXCEEDED|userRateLimitExceeded|rate_limit_exceeded/i,
      /\b429\b|too many requests/i,
      /has asked us to try again later/i,
    ],
  },
  {
    class: "quota",
    retryable: true,
    patterns: [
      // Capacity, not a limit of the account: it may be there later.
      /InsufficientInstanceCapacity|ZONE_RESOURCE_POOL_EXHAUSTED|AllocationFailed|ZonalAllocationFailed|resource_unavailable/i,
      /\d+\/\d+ nodes are available:.*Insufficient (cpu|memory)/i,
    ],
  },
  {
    class: "quota",
    patterns: [
      /VcpuLimitExceeded|InstanceLimitExceeded|AddressLimitExceeded|VolumeLimitExceeded|\bLimitExceeded\b/,
      /QUOTA_EXCEEDED|Quota '[^']+' exceeded|QuotaExceeded|exceeding approved .* quota|exceeded quota/i,
      /resource_limit_exceeded|server limit (reached|exceeded)|droplet limit|exceed your .* limit/i,
      /Cannot allocate memory|No space left on device|Disk quota exceeded|SkuNotAvailable/i,
    ],
  },
  // Machina's own: a missing credential is named with the config key that supplies it.
  {
    class: "credentials",
    patterns: [
      /^\s*- missing [^\n]*`pulumi config set/m,
      /AuthFailure|UnauthorizedOperation|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|no valid credential sources|NoCredentialProviders|could not load credentials/i,
      /could not find default credentials|invalid_grant|Request had invalid authentication credentials|Permission '[^']+' denied|googleapi: Error 40[13]/i,
      /AuthorizationFailed|InvalidAuthenticationToken|AuthenticationFailed|AADSTS\d+|DefaultAzureCredential|ClientAuthenticationError/,
      /unable to authenticate|\(unauthorized\)|invalid token|token is invalid|"id":\s*"unauthorized"/i,
      /\bUnauthorized\b|\b401\b|forbidden: User "[^"]*" cannot|\bforbidden\b/i,
      /authentication (failed|required)|access denied|permission denied to/i,
      /\bInvalidLogin\b|\bNotAuthenticated\b|vSphere connection incomplete/,
    ],
  },
  {
    class: "not-found",
    patterns: [
      /\.NotFound\b|InvalidAMIID|does not exist|was not found|could not be found|\bnotFound\b|\bNOT_FOUND\b|not_found/,
      /ResourceNotFound|ResourceGroupNotFound|(Platform)?ImageNotFound|SubscriptionNotFound/,
      /Domain not found|Network not found|Storage (volume|pool) not found|no (domain|network|storage \w+) with matching/i,
      /the server could not find the requested resource|"[^"]+" not found|\bnot found\b/i,
      /no resource plugin|could not find plugin|failed to load plugin|is not installed|not on PATH|spawn \S+ ENOENT|command not found|ENOENT/i,
      /\b404\b/,
    ],
  },
  // Permanent platform errors first, then the transient ones.
  {
    class: "platform",
    retryable: false,
    patterns: [/Permission denied|Operation not permitted|EACCES|Requested operation is not valid/i],
  },
  {
    class: "invalid-spec",
    patterns: [
      /InvalidParameter(Value|Combination)?\b|InvalidInput|Unsupported\w*:|MissingParameter|ValidationError|ValidationException/,
      /Error 400|badRequest|INVALID_ARGUMENT|invalid value for field|invalid_input|\b422\b|unprocessable/i,
      /InvalidTemplate|BadRequest/,
      /\bis invalid: |admission webhook "[^"]*" denied the request|\bspec\.\w+.*\bRequired value\b/i,
      /XML error|unsupported configuration|invalid argument/i,
    ],
  },
  {
    class: "timeout",
    patterns: [
      /timed out|timeout|deadline exceeded|DeadlineExceeded|ETIMEDOUT|did not answer on .* within|did not finish within/i,
    ],
  },
  {
    class: "platform",
    patterns: [
      /InternalError|InternalServerError|Internal Server Error|internal error|ServiceUnavailable|Service Unavailable|backendError|server_error/i,
      /\b50[0234]\b|Bad Gateway|maintenance|unavailable/i,
      /Failed to connect socket|failed to connect to the hypervisor|Connection (reset|refused)|ECONNRESET|ECONNREFUSED|EAI_AGAIN|socket hang up|EPIPE/i,
      /qemu unexpectedly closed the monitor|End of file while reading data/i,
    ],
  },
];

/** Seconds to wait when the message says so ("Retry-After: 30", "retry after 30s", "try again in 2 minutes"). */
export function retryAfterSeconds(message: string): number | undefined {
  const m =
    /(?:retry[- ]after|retry in|try again in|wait)\s*:?\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)?\b/i.exec(
      message,
    );
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  const seconds = unit.startsWith("ms") || unit.startsWith("milli") ? n / 1000 : unit.startsWith("m") ? n * 60 : n;
  return Math.ceil(seconds);
}

/** The class of a failure from its message (or messages, most specific first). */
export function classifyFailure(...messages: (string | undefined)[]): Failure {
  const texts = messages.filter((m): m is string => typeof m === "string" && m.trim() !== "");
  for (const text of texts) {
    for (const rule of FAILURE_RULES) {
      if (rule.patterns.some((p) => p.test(text))) {
        const info = FAILURE_CLASS_INFO[rule.class];
        const after = retryAfterSeconds(text);
        return {
          class: rule.class,
          retryable: rule.retryable ?? info.retryable,
          ...(after !== undefined ? { retryAfterSeconds: after } : {}),
          hint: info.hint,
        };
      }
    }
  }
  const after = texts.map(retryAfterSeconds).find((s) => s !== undefined);
  return {
    class: "unknown",
    retryable: FAILURE_CLASS_INFO.unknown.retryable,
    ...(after !== undefined ? { retryAfterSeconds: after } : {}),
    hint: FAILURE_CLASS_INFO.unknown.hint,
  };
}

/** The class of a thrown value: its message, and for Machina's own errors their kind first. */
export function classifyError(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";
  const byName: Partial<Record<string, FailureClass>> = {
    ValidationError: "invalid-spec",
    UnknownProviderError: "invalid-spec",
    UnknownEnvironmentError: "invalid-spec",
    StackFileError: "invalid-spec",
    InvalidEnvironmentError: "invalid-spec",
    UsageError: "invalid-spec",
    ConcurrentUpdateError: "conflict",
    LiveLockError: "conflict",
  };
  const cls = byName[name];
  if (cls) {
    const info = FAILURE_CLASS_INFO[cls];
    return { class: cls, retryable: info.retryable, hint: info.hint };
  }
  // A command's own error output says what went wrong; its message repeats the command line.
  const stderr = (error as { stderr?: unknown } | null)?.stderr;
  return classifyFailure(typeof stderr === "string" ? stderr : undefined, message);
}
