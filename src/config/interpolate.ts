import type { PathSegment } from './config-error.js';
import { pathKey, type RawProblem } from './issues.js';

/** Environment lookup used for `${env:NAME}`. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  readonly value: unknown;
  readonly problems: RawProblem[];
  /** pathKey()s of values that came from the environment: never echoed in messages. */
  readonly secret: Set<string>;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const ENV_REF = new RegExp(`^env:(${NAME})(?::-([\\s\\S]*))?$`);
const SECRET_REF = /^secret:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/;

/** Looks up `${secret:NAME}`: the value, or undefined when there is no such secret; throws on a store problem. */
export type SecretLookup = (name: string) => string | undefined;
const BARE_REF = new RegExp(`^(${NAME})(?::-([\\s\\S]*))?$`);
// VS Code's own variables look like bare env references but mean something else there.
const VSCODE = /^(workspaceFolder\w*|userHome|cwd|pathSeparator|file\w*|relativeFile\w*|execPath|input:.*|command:.*|config:.*)$/;

/**
 * Replaces `${env:NAME}` and `${env:NAME:-default}` in every string value (keys are left alone); `$${`
 * is a literal `${`. With `bare`, `${NAME}` and `${NAME:-default}` work too (the `.mcp.json` syntax).
 * `:-` uses the default when the variable is unset or empty. Any other `${…}` is reported rather than
 * passed on literally, since commands run without a shell and nothing else would expand it.
 */
export function interpolate(root: unknown, env: Env, options: { bare?: boolean; secret?: SecretLookup } = {}): Interpolated {
  const problems: RawProblem[] = [];
  const secret = new Set<string>();

  const expand = (text: string, path: PathSegment[]): string => {
    let used = false;
    const out = text.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escape: string, body: string) => {
      if (escape) return whole.slice(1);
      const ref = SECRET_REF.exec(body);
      if (ref) {
        used = true;
        return resolveSecret(ref[1] ?? '', path, whole);
      }
      const m = ENV_REF.exec(body) ?? (options.bare && !VSCODE.test(body) ? BARE_REF.exec(body) : null);
      if (!m) {
        problems.push({ path, message: unsupported(body) });
        return whole;
      }
      const [, name = '', fallback] = m;
      const value = env[name];
      used = true;
      if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
      if (value !== undefined) return value;
      problems.push({ path, message: `environment variable ${name} is not set (write \${env:${name}:-default} to give a default)` });
      return whole;
    });
    if (used) secret.add(pathKey(path));
    return out;
  };

  // `${secret:NAME}` (ADR 0018): resolved from the encrypted store at load; the path joins `secret` so no
  // message ever echoes the value.
  const resolveSecret = (name: string, path: PathSegment[], whole: string): string => {
    if (!options.secret) {
      problems.push({ path, message: `\${secret:${name}} needs the secret store, which this command does not open` });
      return whole;
    }
    try {
      const value = options.secret(name);
      if (value !== undefined) return value;
      problems.push({ path, message: `secret ${name} does not exist (create it with: breakwater secrets set ${name})` });
    } catch (err) {
      problems.push({ path, message: `secret ${name} cannot be read: ${err instanceof Error ? err.message : String(err)}` });
    }
    return whole;
  };

  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') return node.includes('${') ? expand(node, path) : node;
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (typeof node === 'object' && node !== null)
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    return node;
  };

  return { value: walk(root, []), problems, secret };
}

function unsupported(body: string): string {
  if (VSCODE.test(body)) return `VS Code variable "\${${body}}" is not supported: use \${env:NAME} or a literal value`;
  const hint = new RegExp(`^${NAME}$`).test(body) ? ` (did you mean "\${env:${body}}"?)` : '';
  return `unsupported variable "\${${body}}"${hint}: use \${env:NAME}, \${env:NAME:-default} or \${secret:NAME}; write $\${ for a literal \${`;
}
