import type { PathSegment } from './config-error.js';

const REF = /\$\{(?!secret:)(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?=[:}])/g;
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
// `$NAME` or `$NAME/…` not preceded by `$` (the `$${` escape) and not followed by `{`: a shell habit.
const BARE_DOLLAR = new RegExp(`(?<![$\\\\])\\$(${NAME})`, 'g');

/** The environment variables the raw value at `path` refers to (`${env:NAME}`, or `${NAME}` in mcpServers files). */
export function envRefsAt(data: unknown, path: readonly PathSegment[]): string[] {
  let node = data;
  for (const seg of path) {
    if (typeof node !== 'object' || node === null) return [];
    node = (node as Record<PathSegment, unknown>)[seg];
  }
  return typeof node === 'string' ? [...new Set([...node.matchAll(REF)].map((m) => m[1]!))] : [];
}

/**
 * Warnings for `$NAME` written without braces (`$HOME/data`): commands run without a shell, so it is
 * passed on literally; `${env:NAME}` is what expands. Only names that look like variables are flagged
 * (upper case, or set in `env`), so a `$` inside a password or a regex is left alone.
 */
export function bareDollarWarnings(data: unknown, env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      for (const m of node.matchAll(BARE_DOLLAR)) {
        const name = m[1]!;
        if (!/^[A-Z_][A-Z0-9_]*$/.test(name) && env[name] === undefined) continue;
        out.push(`${path || '(root)'}: "$${name}" is not expanded (commands run without a shell): write \${env:${name}}`);
      }
    } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (typeof node === 'object' && node !== null)
      for (const [k, v] of Object.entries(node))
        walk(v, path === '' ? k : /^[A-Za-z0-9_$-]+$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
  };
  walk(data, '');
  return out;
}
