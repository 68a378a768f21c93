import { createHash } from 'node:crypto';

/** The parts of a listed tool that shape what a model does with it; everything else (e.g. `_meta`) is ignored. */
const PINNED_KEYS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/** A tool definition's identity: its canonical text and two SHA-256 digests (with and without the name). */
export interface ToolDigest {
  /** Canonical JSON of the pinned keys (stored, so `pins diff` can show what changed). */
  readonly text: string;
  /** SHA-256 over the canonical text, name included: any change is a new hash. */
  readonly hash: string;
  /** SHA-256 over the same without `name`: equal for a tool renamed with an identical definition. */
  readonly bodyHash: string;
}

/** JSON with object keys sorted at every level, so equal definitions always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The pinned view of a listed tool: name, title, description, schemas and annotations. */
export function pinnedDefinition(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of PINNED_KEYS) if (item[key] !== undefined) out[key] = item[key];
  return out;
}

/** Hashes a listed tool's pinned definition (see docs/adr for why these keys and SHA-256). */
export function digestTool(item: Readonly<Record<string, unknown>>): ToolDigest {
  const definition = pinnedDefinition(item);
  const text = canonicalJson(definition);
  const { name: _name, ...body } = definition;
  return { text, hash: sha256(text), bodyHash: sha256(canonicalJson(body)) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
