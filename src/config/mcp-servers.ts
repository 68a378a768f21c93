import { z } from 'zod';
import type { PathSegment } from './config-error.js';
import type { IssueReader, RawProblem } from './issues.js';
import { UPSTREAM_NAME } from './primitives.js';

// The `mcpServers` JSON written by Claude Desktop, Cursor, Cline/Roo, Windsurf and Claude Code (VS Code
// calls the key `servers`) is accepted as is and converted to native upstreams. Keys those tools add for
// their own UI are ignored; keys that change behaviour are mapped; anything else is an unknown key.

const NATIVE_KEYS = ['server', 'logging', 'namespace', 'defaults', 'upstreams'];
const FOREIGN_ROOTS = ['mcpServers', 'servers'];
const kind = z.enum(['stdio', 'http', 'streamable-http', 'sse']);
const ignored = z.unknown().optional();

const entrySchema = z.strictObject({
  command: z.unknown().optional(),
  args: z.unknown().optional(),
  env: z.unknown().optional(),
  cwd: z.unknown().optional(),
  url: z.unknown().optional(),
  serverUrl: z.unknown().optional(), // Windsurf
  headers: z.unknown().optional(),
  type: kind.optional(),
  transportType: kind.optional(), // Cline
  disabled: z.boolean().optional(),
  timeout: z.number().positive().optional(), // seconds (Cline, Roo)
  disabledTools: z.array(z.string()).optional(), // Roo, Windsurf
  envFile: z
    .unknown()
    .refine((v) => v === undefined, { error: 'envFile is not supported: list the variables under env' })
    .optional(),
  autoApprove: ignored,
  alwaysAllow: ignored,
  description: ignored,
  dev: ignored,
  watchPaths: ignored,
  gallery: ignored,
});

/** An upstream left out of the running config, and why. */
export interface Skipped {
  readonly name: string;
  readonly reason: string;
}

export interface Converted {
  readonly native: Record<string, unknown>;
  readonly problems: RawProblem[];
  readonly skipped: Skipped[];
  readonly warnings: string[];
  /** Maps a path in the converted native config back to where the user wrote it. */
  toSource(path: readonly PathSegment[]): PathSegment[];
}

/** The `mcpServers`/`servers` key when the document is in that format, else undefined (native). */
export function foreignRoot(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  if (NATIVE_KEYS.some((k) => k in data)) return undefined;
  return FOREIGN_ROOTS.find((k) => k in data);
}

// Native key → the foreign key it came from, for error paths.
const BACK: Record<string, string> = { transport: 'type', policies: 'timeout', tools: 'disabledTools' };

/** Converts an `mcpServers` document to the native shape; entries with problems are left out. */
export function convertMcpServers(data: Record<string, unknown>, root: string, reader: IssueReader): Converted {
  const problems: RawProblem[] = [];
  const skipped: Skipped[] = [];
  const warnings = Object.keys(data)
    .filter((k) => k !== root && k !== 'inputs')
    .map((k) => `ignored top-level key "${k}" (not part of the ${root} format)`);
  const upstreams: Record<string, unknown> = {};
  const origin = new Map<string, { name: string; renamed: Record<string, string> }>();
  const servers = data[root];
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers))
    problems.push({ path: [root], message: 'expected an object mapping server names to servers' });

  const entries = Object.entries(problems.length ? {} : (servers as Record<string, unknown>));
  // Names already valid keep them; a renamed server that would clash is the one reported.
  const taken = new Set(entries.map(([name]) => name).filter((name) => UPSTREAM_NAME.test(name)));
  for (const [name, raw] of entries) {
    if (typeof raw === 'object' && raw !== null && (raw as { disabled?: unknown }).disabled === true) {
      skipped.push({ name, reason: 'disabled' });
      continue;
    }
    const parsed = entrySchema.safeParse(raw, { error: reader.errorMap });
    if (!parsed.success) {
      problems.push(...reader.read(parsed.error.issues, [root, name]).map((p) => ({ ...p, path: [root, name, ...p.path] })));
      continue;
    }
    const native = nativeName(name);
    if (native !== name && taken.has(native)) {
      problems.push({ path: [root, name], message: `name becomes "${native}", which another server already uses; rename one` });
      continue;
    }
    taken.add(native);
    if (native !== name) warnings.push(`server "${name}" is named "${native}" (names allow only A-Z a-z 0-9 _ -)`);
    const { entry, renamed } = toNative(parsed.data);
    upstreams[native] = entry;
    origin.set(native, { name, renamed });
  }

  const toSource = (path: readonly PathSegment[]): PathSegment[] => {
    const [head, name, field, ...rest] = path;
    const from = typeof name === 'string' ? origin.get(name) : undefined;
    if (head !== 'upstreams' || !from) return [...path];
    if (field === undefined) return [root, from.name];
    const mapped = from.renamed[String(field)] ?? BACK[String(field)];
    return mapped ? [root, from.name, mapped] : [root, from.name, field, ...rest];
  };
  return { native: { upstreams }, problems, skipped, warnings, toSource };
}

function nativeName(name: string): string {
  if (UPSTREAM_NAME.test(name)) return name;
  return (
    name
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'server'
  );
}

function toNative(e: z.output<typeof entrySchema>): { entry: Record<string, unknown>; renamed: Record<string, string> } {
  const entry: Record<string, unknown> = {};
  const renamed: Record<string, string> = {};
  for (const k of ['command', 'args', 'env', 'cwd', 'url', 'headers'] as const) if (e[k] !== undefined) entry[k] = e[k];
  if (e.url === undefined && e.serverUrl !== undefined) {
    entry.url = e.serverUrl;
    renamed.url = 'serverUrl';
  }
  const type = e.type ?? e.transportType;
  if (type !== undefined) entry.transport = type === 'http' ? 'streamable-http' : type;
  if (e.type === undefined && e.transportType !== undefined) renamed.transport = 'transportType';
  if (e.timeout !== undefined) entry.policies = { timeoutMs: Math.round(e.timeout * 1000) };
  if (e.disabledTools !== undefined) entry.tools = { deny: e.disabledTools };
  return { entry, renamed };
}
