import { ConfigError, formatPath, type ConfigProblem, type PathSegment } from './config-error.js';
import { configSchema } from './config-schema.js';
import { deepFreeze } from './deep-freeze.js';
import { applyEnvOverrides, overrideFor, referencedVariables } from './env-overrides.js';
import { bareDollarWarnings, envRefsAt } from './env-refs.js';
import { interpolate, type Env } from './interpolate.js';
import { createIssueReader, pathKey, type RawProblem } from './issues.js';
import { convertMcpServers, foreignRoot, type Skipped } from './mcp-servers.js';
import { hasSecretRefs, secretLookup, type SecretOpener } from './secret-refs.js';
import { readSource, type Source } from './source.js';
import type { BreakwaterConfig } from './types.js';

/** A loaded configuration and what loading it noticed. */
export interface LoadResult {
  readonly file: string;
  /** `native` for breakwater.yaml, `mcpServers` for the Claude Desktop / Cursor / VS Code JSON. */
  readonly format: 'native' | 'mcpServers';
  readonly config: BreakwaterConfig;
  /** Upstreams present in the file but not started (disabled). */
  readonly skipped: readonly Skipped[];
  /** Harmless oddities worth telling the operator (ignored keys, renamed servers). */
  readonly warnings: readonly string[];
}

/**
 * Reads a YAML or JSON config file, interpolates `${env:…}`, validates it and returns it deep-frozen.
 * Throws ConfigError listing every problem (kind `read`, `parse` or `invalid`).
 */
export function loadConfig(file: string, env: Env = process.env, options: LoadOptions = {}): LoadResult {
  const source = readSource(file);
  return parseConfig(source.data, file, env, source.locate, options);
}

/** How loading resolves what the file refers to. */
export interface LoadOptions {
  /** Opens the secret store for `${secret:NAME}`; without it such references are problems. */
  readonly secrets?: SecretOpener;
  /** Apply `BREAKWATER_*` overrides (default true); false when re-validating a config already loaded. */
  readonly envOverrides?: boolean;
}

/**
 * Validates config data already in memory (native or `mcpServers` shape), e.g. built in code; `file`
 * names it in problems and `locate` adds line numbers. Same result and errors as loadConfig().
 */
export function parseConfig(
  data: unknown,
  file = '<inline>',
  env: Env = process.env,
  locate?: Source['locate'],
  options: LoadOptions = {},
): LoadResult {
  const root = foreignRoot(data);
  // `storage` and `secrets` may use ${env:…}: the store is located from an env-only pass.
  const secret =
    root === undefined && options.secrets && hasSecretRefs(data)
      ? secretLookup(interpolate(data, env).value, file, env, options.secrets)
      : undefined;
  const expanded = interpolate(data, env, { bare: root !== undefined, ...(secret && { secret }) });
  let toSource = (path: readonly PathSegment[]): PathSegment[] => [...path];
  // Values set by BREAKWATER_* variables are never repeated in messages, like ${env:…} values.
  let envSet = (_path: readonly PathSegment[]): string | undefined => undefined;
  const reader = createIssueReader(
    (path) => expanded.secret.has(pathKey(toSource(path))) || envSet(path) !== undefined,
    (path) => {
      const variable = envSet(path);
      return variable ? [variable] : envRefsAt(data, toSource(path));
    },
  );
  const problems: RawProblem[] = [];
  // An unresolved ${env:…} already has its problem; the schema's complaint about the placeholder is noise.
  const flagged = new Set(expanded.problems.map((p) => pathKey(p.path)));
  const add = (list: readonly RawProblem[]) => problems.push(...list.filter((p) => !flagged.has(pathKey(p.path))));
  let native = expanded.value;
  let skipped: Skipped[] = [];
  let warnings: string[] = [];

  if (root !== undefined) {
    const converted = convertMcpServers(expanded.value as Record<string, unknown>, root, reader);
    ({ native, skipped, warnings } = converted);
    toSource = converted.toSource;
    add(converted.problems);
  }
  // BREAKWATER_SERVER__PORT-style variables, after the file and before validation; their problems name them.
  const overrides =
    options.envOverrides === false
      ? { value: native, applied: [], problems: [] }
      : applyEnvOverrides(native, configSchema, env, referencedVariables(data));
  native = overrides.value;
  envSet = (path) => overrideFor(overrides.applied, path)?.variable;
  const fromEnv = new Map<RawProblem, string>();
  for (const p of overrides.problems) {
    const problem = { path: [], message: p.message };
    fromEnv.set(problem, p.variable);
    problems.push(problem);
  }
  const parsed = configSchema.safeParse(native, { error: reader.errorMap });
  if (!parsed.success)
    for (const p of reader.read(parsed.error.issues)) {
      const variable = overrideFor(overrides.applied, p.path)?.variable;
      const problem = variable ? { path: p.path, message: p.message } : { path: toSource(p.path), message: p.message };
      if (variable) {
        fromEnv.set(problem, variable);
        problems.push(problem);
      } else add([problem]);
    }
  problems.push(...expanded.problems);
  if (problems.length > 0 || !parsed.success) throw new ConfigError('invalid', locateAll(problems, file, locate, fromEnv));

  warnings = [...warnings, ...bareDollarWarnings(data, env)];
  if (root === undefined)
    for (const [name, upstream] of Object.entries(parsed.data.upstreams)) if (!upstream.enabled) skipped.push({ name, reason: 'disabled' });
  return deepFreeze({ file, format: root === undefined ? 'native' : 'mcpServers', config: parsed.data, skipped, warnings });
}

function locateAll(
  problems: readonly RawProblem[],
  file: string,
  locate: Source['locate'] | undefined,
  fromEnv: ReadonlyMap<RawProblem, string> = new Map(),
): ConfigProblem[] {
  const located = problems.map((p): ConfigProblem => {
    const variable = fromEnv.get(p);
    // An environment override is not in the file: the problem names the variable instead.
    if (variable) return { file: variable, path: p.path.length === 0 ? '' : formatPath(p.path), message: p.message };
    const pos = locate?.(p.path, p.message.startsWith('unknown key'));
    return { file, path: formatPath(p.path), message: p.message, ...(pos && { line: pos.line, column: pos.column }) };
  });
  // File order reads best; problems without a position keep their relative order at the end.
  return located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
}
