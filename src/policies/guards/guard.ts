// The guard framework (issue 10; docs/adr/0016-guard-framework-and-placement.md): one interface every guard implements,
// so the policy, the CLI (`breakwater guard`) and tests drive schema, SQL, path, URL, code and content guards
// the same way.

/** What a guard decided about one value. `rule` is stable (`sql.write-statement`); `reason` never quotes the value. */
export type GuardVerdict =
  | { readonly decision: 'allow' }
  | { readonly decision: 'deny'; readonly rule: string; readonly reason: string; readonly at?: string }
  | { readonly decision: 'redact'; readonly rule: string; readonly reason: string; readonly value: unknown };

// `at` (deny only): a pointer below the checked value where the fault is (schema validation of the whole
// arguments object names the argument that failed).

/** One value a guard checks, with where it came from. */
export interface GuardInput {
  /** The value at the pointer (any JSON value: a guard of strings denies other types itself). */
  readonly value: unknown;
  /** The concrete JSON pointer of the value (wildcards expanded), e.g. `/queries/2`. */
  readonly pointer: string;
  /** The whole arguments object (or result), for guards that read a sibling argument (e.g. `language`). */
  readonly document: unknown;
  /** Aborted when the call is: a guard doing I/O (DNS, realpath) stops with it. */
  readonly signal: AbortSignal;
}

/**
 * One guard. `check` is synchronous where it can be (the hot path pays no promise for schema, SQL and
 * length checks) and may return a promise when it needs I/O (URL: DNS; path: realpath).
 */
export interface Guard {
  /** The guard kind as events, errors and the CLI name it: `sql`, `path`, `url`, `length`, `code`, `content`. */
  readonly kind: string;
  check(input: GuardInput): GuardVerdict | Promise<GuardVerdict>;
}

/** The shared "allow" verdict (no allocation per call). */
export const ALLOW: GuardVerdict = Object.freeze({ decision: 'allow' });

/** A deny verdict. */
export const deny = (rule: string, reason: string, at?: string): GuardVerdict =>
  at === undefined ? { decision: 'deny', rule, reason } : { decision: 'deny', rule, reason, at };

/** A guard's verdict on one value, awaited only when the guard returned a promise. */
export async function checkValue(guard: Guard, input: GuardInput): Promise<GuardVerdict> {
  return guard.check(input);
}

/** Runs a guard on a single standalone value (CLI, tests): the pointer is `""`, the document the value itself. */
export function checkStandalone(guard: Guard, value: unknown, signal: AbortSignal = new AbortController().signal): Promise<GuardVerdict> {
  return Promise.resolve(guard.check({ value, pointer: '', document: value, signal }));
}
