import { z } from 'zod';
import { bool, int, text } from './primitives.js';

// The code and content guards' entries (issue 10 items 4 and 6; docs/guardrails.md). Built from the
// fields every argument guard shares (`args`, `mode`), which guards-schema.ts passes in, so this file does
// not import it back.

/** The fields every argument guard has, as guards-schema.ts defines them. */
export interface CommonGuardFields {
  readonly args: z.ZodType<readonly string[]>;
  readonly mode: z.ZodType<'enforce' | 'monitor'>;
  readonly pointers: z.ZodType<readonly string[]>;
  readonly pointer: z.ZodType<string>;
}

const LANGUAGES = ['javascript', 'python', 'shell', 'argument'] as const;
const SECRET_KINDS = [
  'private-key', 'jwt', 'aws-access-key', 'aws-secret-key', 'gcp-api-key', 'azure-storage-key', 'github-token', 'gitlab-token',
  'slack-token', 'slack-webhook', 'stripe-key', 'anthropic-key', 'openai-key', 'npm-token', 'card-number', 'email',
] as const; // prettier-ignore

/** Code guard: the argument is code (or a plain command argument) checked on a parser of its language. */
export function codeGuardSchema(common: CommonGuardFields) {
  return z
    .strictObject({
      type: z.literal('code'),
      args: common.args,
      mode: common.mode.default('enforce'),
      // javascript | python | shell | argument (a plain command argument: no shell syntax at all).
      language: z.enum(LANGUAGES).optional(),
      // A sibling argument naming the language per call (`/language`: js, python3, bash, …); `language` is the fallback.
      languageArg: common.pointer.optional(),
      // Also deny network modules and clients (and filesystem modules in JS/Python).
      strict: bool().default(false),
      allowModules: z.array(text()).default([]),
      denyModules: z.array(text()).default([]),
      maxLength: int(1, 10_000_000).default(100_000),
      // language: argument — allow a leading "-" (off: option injection is refused).
      allowLeadingDash: bool().default(false),
    })
    .refine((g) => g.language !== undefined || g.languageArg !== undefined, {
      error: 'name the language (javascript, python, shell, argument) or languageArg, the argument that names it',
      path: ['language'],
    });
}

/** Content guard: HTML sanitising and secret/PII detection on arguments and on parts of the result. */
export function contentGuardSchema(common: CommonGuardFields) {
  return z
    .strictObject({
      type: z.literal('content'),
      // Arguments to check (JSON pointers into `arguments`); may be empty when only results are checked.
      args: common.pointers.default([]),
      // Parts of the result to check (JSON pointers into the result: "/content/*/text", "/structuredContent").
      results: common.pointers.default([]),
      mode: common.mode.default('enforce'),
      html: z.enum(['off', 'sanitize', 'block']).default('off'),
      // monitor: detections are logged and published, nothing is changed (sets the entry's mode to monitor).
      secrets: z.enum(['off', 'redact', 'block', 'monitor']).default('redact'),
      detect: z.array(z.enum(SECRET_KINDS)).default([...SECRET_KINDS]),
      maxLength: int(1, 256 * 1024 * 1024).default(16 * 1024 * 1024),
    })
    .refine((g) => g.args.length + g.results.length > 0, {
      error: 'name at least one argument (args) or result part (results)',
      path: ['args'],
    })
    .transform((g) => (g.secrets === 'monitor' ? { ...g, secrets: 'redact' as const, mode: 'monitor' as const } : g));
}
