import type { z } from 'zod';
import type { PathSegment } from './config-error.js';
import { describeValue } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import { durationHint, misplacedKeyHint } from './key-hints.js';

/** A problem before it is tied to a file and position. */
export interface RawProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  null: 'null',
};

/** A path as a map key (segments stringified, so `0` and "0" agree). */
export const pathKey = (path: readonly PropertyKey[]): string => JSON.stringify(path.map(String));

function bound(issue: { origin: string; inclusive?: boolean }, limit: number | bigint, small: boolean): string {
  const n = Number(limit);
  if (issue.origin === 'string') return small ? (n <= 1 ? 'a non-empty string' : `at least ${n} characters`) : `at most ${n} characters`;
  if (issue.origin === 'array') return small ? `at least ${n} item${n === 1 ? '' : 's'}` : `at most ${n} items`;
  const op = small ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
  return `a number ${op} ${n}`;
}

/**
 * Converts zod issues into friendly problems. Values at `isSecret` paths (they came from the environment)
 * are never echoed, but the variables they came from are named (`envOf`). Unknown keys become one problem
 * per key, saying where the key belongs when it exists elsewhere, else with a did-you-mean.
 */
export function createIssueReader(
  isSecret: (path: readonly PathSegment[]) => boolean = () => false,
  envOf: (path: readonly PathSegment[]) => readonly string[] = () => [],
) {
  const allowed = new Map<string, string[]>();
  const got = (issue: { input?: unknown; path?: readonly PropertyKey[] }): string => {
    const path = (issue.path ?? []) as PathSegment[];
    if (!isSecret(path)) return describeValue(issue.input);
    const names = envOf(path);
    return names.length === 0 ? 'a value from the environment' : `the value of ${names.join(', ')} (from the environment)`;
  };
  /** `expected …, got …` plus, for a duration key, the reminder that it is milliseconds. */
  const withUnit = (issue: { input?: unknown; path?: readonly PropertyKey[] }, message: string): string => {
    const hint = durationHint((issue.path ?? []) as PathSegment[], isSecret((issue.path ?? []) as PathSegment[]) ? undefined : issue.input);
    return hint ? `${message} (${hint})` : message;
  };

  /** Per-parse zod error map: builds `expected X, got Y` messages (schema-level messages still win). */
  const errorMap: z.core.$ZodErrorMap = (issue) => {
    switch (issue.code) {
      case 'invalid_type':
        return issue.input === undefined
          ? `missing: expected ${NOUNS[issue.expected] ?? issue.expected}`
          : withUnit(issue, `expected ${NOUNS[issue.expected] ?? issue.expected}, got ${got(issue)}`);
      case 'too_small':
        return `expected ${bound(issue, issue.minimum, true)}, got ${got(issue)}`;
      case 'too_big':
        return `expected ${bound(issue, issue.maximum, false)}, got ${got(issue)}`;
      case 'invalid_value':
        return `expected ${issue.values.length > 1 ? 'one of ' : ''}${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got(issue)}`;
      case 'invalid_format':
        return `expected a valid ${issue.format}, got ${got(issue)}`;
      case 'not_multiple_of':
        return `expected a multiple of ${String(issue.divisor)}, got ${got(issue)}`;
      case 'unrecognized_keys': {
        const shape = (issue.inst as { def?: { shape?: object } } | undefined)?.def?.shape;
        allowed.set(pathKey(issue.path ?? []), Object.keys(shape ?? {}));
        return undefined;
      }
      default:
        return undefined;
    }
  };

  /**
   * Flattens a parse's issues into problems (one per unknown key; record-key issues carry their reason).
   * `base` is where the parsed value sits in the document (it places misplaced-key hints; paths stay relative).
   */
  function read(issues: readonly z.core.$ZodIssue[], base: readonly PathSegment[] = []): RawProblem[] {
    const out: RawProblem[] = [];
    for (const issue of issues) {
      const path = issue.path as PathSegment[];
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          const belongs = misplacedKeyHint([...base, ...path], k);
          const hint = belongs === undefined ? didYouMean(k, allowed.get(pathKey(path)) ?? []) : undefined;
          const detail = belongs === undefined ? (hint ? ` (did you mean "${hint}"?)` : '') : `: ${belongs}`;
          out.push({ path: [...path, k], message: `unknown key "${k}"${detail}` });
        }
      } else if (issue.code === 'invalid_key') {
        out.push({ path, message: issue.issues[0]?.message ?? 'invalid key' });
      } else out.push({ path, message: issue.message });
    }
    return out;
  }

  return { errorMap, read };
}

/** What createIssueReader() returns: the per-parse error map and the issue flattener. */
export type IssueReader = ReturnType<typeof createIssueReader>;
