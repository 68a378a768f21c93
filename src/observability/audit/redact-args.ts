import { scrubSecretsDeep } from '../../core/index.js';

const CENSOR = '[redacted]';
const MAX_DEPTH = 32;

/**
 * A copy of a call's arguments for the audit: values under a sensitive name (any depth, case-insensitive)
 * replaced, known secrets and credential shapes scrubbed from the rest. The digest is taken over the
 * original, so equal calls still compare equal.
 */
export function redactArguments(value: unknown, sensitive: ReadonlySet<string>): unknown {
  return scrubSecretsDeep(walk(value, sensitive, 0));
}

function walk(value: unknown, sensitive: ReadonlySet<string>, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return CENSOR;
  if (Array.isArray(value)) return value.map((v) => walk(v, sensitive, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = sensitive.has(k.toLowerCase()) ? CENSOR : walk(v, sensitive, depth + 1);
  return out;
}
