// The behaviour script of `breakwater mock-upstream`: a YAML/JSON file validated once with zod.
// Strict objects, so a typo in a chaos script fails loudly instead of silently testing nothing.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { NAME_PATTERN } from '../../protocol/index.js';

export const MALFORMED_VARIANTS = ['invalid-json', 'wrong-version', 'unknown-id', 'duplicate-response'] as const;
export type MalformedVariant = (typeof MALFORMED_VARIANTS)[number];

const ms = z.number().int().min(0);
const latency = z.union([ms, z.strictObject({ p50Ms: ms, p99Ms: ms.optional() })]);

const behaviour = z.strictObject({
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z
    .strictObject({
      title: z.string().optional(),
      readOnlyHint: z.boolean().optional(),
      destructiveHint: z.boolean().optional(),
      idempotentHint: z.boolean().optional(),
      openWorldHint: z.boolean().optional(),
    })
    .optional(),
  text: z.string().optional(),
  latency: latency.optional(),
  errorRate: z.number().min(0).max(1).optional(),
  error: z.strictObject({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }).optional(),
  hang: z.boolean().optional(),
  progress: z.strictObject({ count: z.number().int().min(1), intervalMs: ms }).optional(),
  crashAfterCalls: ms.optional(),
  flap: z.strictObject({ upMs: ms, downMs: ms }).optional(),
  outputBytes: ms.optional(),
  malformed: z.union([z.literal(true), z.enum(MALFORMED_VARIANTS)]).optional(),
  isError: z.boolean().optional(),
  retryAfterMs: ms.optional(),
  httpStatus: z.number().int().min(400).max(599).optional(),
});

const script = z.strictObject({
  tools: z.record(z.string().regex(NAME_PATTERN, 'tool names are 1-128 chars of [A-Za-z0-9_.-]'), behaviour).default({}),
  defaults: behaviour.default({}),
  listChangedEveryMs: ms.default(0),
  seed: z.number().int().optional(),
  instructions: z.string().optional(),
  serverInfo: z.strictObject({ name: z.string(), version: z.string() }).optional(),
});

/** One tool's scripted behaviour, as written (per-tool keys override `defaults`). */
export type ToolBehaviour = z.infer<typeof behaviour>;
/** A validated script. */
export type MockScript = z.infer<typeof script>;

/** Thrown for an unreadable or invalid script; the message lists every problem with its path. */
export class ScriptError extends Error {
  override name = 'ScriptError';
}

/** Validates a parsed script object (from a file or a test). */
export function parseScript(input: unknown, source = 'script'): MockScript {
  const result = script.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ScriptError(`invalid mock-upstream script:\n${lines.join('\n')}`);
}

/** Reads and validates a YAML or JSON script file (YAML is a superset of JSON, so one parser reads both). */
export function loadScript(path: string): MockScript {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScriptError(`cannot read script ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ScriptError(`cannot parse script ${path}: ${(err as Error).message}`);
  }
  return parseScript(parsed, path);
}

/** The behaviour of `tool`: the script's defaults overlaid with its own keys. */
export function behaviourOf(s: MockScript, tool: string): ToolBehaviour {
  return { ...s.defaults, ...s.tools[tool] };
}

/** Normalises `malformed: true` to the default variant. */
export function malformedVariant(b: ToolBehaviour): MalformedVariant | undefined {
  return b.malformed === true ? 'invalid-json' : b.malformed;
}
