import type { Namespace } from './namespacing.js';
import type { NamedRouteTable } from './route-table.js';

/** One upstream's `instructions` and how its tool and prompt names are exposed. */
export interface InstructionSource {
  readonly upstream: string;
  readonly text: string;
  readonly namespace: Namespace;
  /** Original name → exposed name, for the names that differ. */
  readonly renamed: ReadonlyMap<string, string>;
}

/** Characters of an exposed name; a name inside a longer run of them is not that name. */
const NAME_CHAR = /[A-Za-z0-9_.-]/;
/**
 * Names that are no ordinary word (snake_case, kebab-case, dotted, camelCase, with a digit): rewritten
 * wherever they stand as a whole word. Plain words (`search`, `echo`) only when backticked, so prose
 * such as "search the web" is left alone.
 */
const NOT_A_WORD = /[_.\-0-9]|[a-z][A-Z]/;

/**
 * The gateway's `instructions`: every upstream's under a `## name` heading. Servers write their tool
 * names without the gateway's prefix, which a model then calls and the gateway does not know, so each
 * section says how its tools are exposed (a header line) and its text is rewritten: an exact tool or
 * prompt name in backticks, or as a whole word when it cannot be an ordinary word, becomes its
 * exposed name. Anything else in the text is left as the server wrote it.
 */
export function mergeInstructions(sources: readonly InstructionSource[]): string | undefined {
  const parts = sources.map((s) => {
    const { prefix, separator } = s.namespace;
    const header = prefix === '' ? '' : `Tools and prompts of this server are exposed as \`${prefix}${separator}<name>\`.\n`;
    return `## ${s.upstream}\n${header}${rewrite(s.text, s.renamed)}`;
  });
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/** Original → exposed for one upstream's tools and prompts whose exposed name differs. */
export function renamedOf(upstream: string, tables: readonly NamedRouteTable[]): Map<string, string> {
  const renamed = new Map<string, string>();
  for (const table of tables)
    for (const item of table.list) {
      const route = table.get(item.name);
      if (route?.upstream === upstream && route.exposed !== route.target && !renamed.has(route.target))
        renamed.set(route.target, route.exposed);
    }
  return renamed;
}

function rewrite(text: string, renamed: ReadonlyMap<string, string>): string {
  if (renamed.size === 0) return text;
  // Longest first, so `read_file_lines` is never rewritten as `read_file` + `_lines`.
  const names = [...renamed.keys()].sort((a, b) => b.length - a.length).map(escape);
  const pattern = new RegExp(`\`(${names.join('|')})\`|(${names.join('|')})`, 'g');
  return text.replace(pattern, (match: string, ticked: string | undefined, bare: string | undefined, offset: number) => {
    if (ticked !== undefined) return `\`${renamed.get(ticked)!}\``;
    const name = bare!;
    if (!NOT_A_WORD.test(name)) return match;
    const before = text[offset - 1];
    const after = text[offset + name.length];
    // Part of a longer name (or already prefixed): leave it. A sentence's final period is not part of a name.
    if (before !== undefined && NAME_CHAR.test(before)) return match;
    if (after !== undefined && NAME_CHAR.test(after) && !(after === '.' && !NAME_CHAR.test(text[offset + name.length + 1] ?? ' ')))
      return match;
    return renamed.get(name)!;
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
