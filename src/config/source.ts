import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { ConfigError, type ConfigProblem, type PathSegment } from './config-error.js';
import { stripJsonc } from './jsonc.js';
import { codeFrame, syntaxHint } from './syntax-frame.js';

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A parsed config file: its data and a way back from a path to where it was written. */
export interface Source {
  readonly file: string;
  readonly data: unknown;
  /** Position of the value at `path`, or of its key when `key` is set; the nearest parent if absent. */
  locate(path: readonly PathSegment[], key?: boolean): Position | undefined;
}

/** Reads and parses a YAML or JSON (with comments) file; throws ConfigError `read` or `parse`. */
export function readSource(file: string): Source {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read file (${(err as Error).message})`;
    throw new ConfigError('read', [{ file, path: '', message: reason }]);
  }
  return parseSource(text, file);
}

/** Parses config text; `.json`/`.jsonc` (or text starting with `{`) as JSON, anything else as YAML. */
export function parseSource(text: string, file: string): Source {
  const json = /\.jsonc?$/i.test(extname(file)) || (!/\.ya?ml$/i.test(file) && text.trimStart().startsWith('{'));
  const body = json ? stripJsonc(text) : text;
  const lines = new LineCounter();
  // YAML is a superset of JSON, so one parse also gives positions (and duplicate keys) for JSON files.
  const doc = parseDocument(body, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const data = json ? parseJson(body, file, lines) : undefined;
  // JSON.parse silently keeps the last of duplicate keys; a repeated key is almost always a mistake.
  const duplicates = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
  // The parser reports a cascade after the first real error (19 lines for one unquoted `${…}`): only the
  // first is the user's mistake. Duplicate keys before it are each real, so they are listed too.
  const firstReal = json ? -1 : doc.errors.findIndex((e) => e.code !== 'DUPLICATE_KEY');
  const errors = firstReal === -1 ? duplicates : doc.errors.slice(0, firstReal + 1);
  if (errors.length > 0)
    throw new ConfigError(
      'parse',
      errors.map((e) => syntaxProblem(file, json ? 'JSON' : 'YAML', e, body)),
    );
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null))
    throw new ConfigError('invalid', [
      {
        file,
        path: '',
        message:
          'the file is empty (or only comments): a config needs at least upstreams, e.g.\n' +
          '  upstreams:\n    everything: { command: npx, args: ["-y", "@modelcontextprotocol/server-everything"] }\n' +
          '  (breakwater init writes a commented starter file)',
      },
    ]);
  return {
    file,
    data: json ? data : doc.toJS({ maxAliasCount: 100 }),
    locate: doc.errors.length === 0 ? locator(doc, lines) : () => undefined,
  };
}

function parseJson(body: string, file: string, lines: LineCounter): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const pos = at ? lines.linePos(Number(at[1])) : undefined;
    const reason = message.replace(/ in JSON at position \d+.*$/s, '');
    throw new ConfigError('parse', [
      {
        file,
        path: '',
        message: `invalid JSON: ${reason}`,
        ...(pos && { line: pos.line, column: pos.col, frame: codeFrame(body, pos.line, pos.col) }),
      },
    ]);
  }
}

function syntaxProblem(file: string, format: string, error: YAMLError, text: string): ConfigProblem {
  const pos = error.linePos?.[0];
  const reason =
    error.code === 'DUPLICATE_KEY' ? 'duplicate key' : error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
  const hint = pos && syntaxHint(text, pos.line);
  return {
    file,
    path: '',
    message: `invalid ${format}: ${reason}`,
    ...(pos && { line: pos.line, column: pos.col, frame: codeFrame(text, pos.line, pos.col) }),
    ...(hint && { hint }),
  };
}

// Scalars point at their value; collections, unknown keys and missing keys (via their nearest present
// ancestor) at the key, which is the line a reader looks for.
function locator(doc: Document, lines: LineCounter): Source['locate'] {
  return (path, key = false) => {
    for (let n = path.length; n > 0; n--) {
      const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      const seg = path[n - 1];
      let node: unknown;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        node = n === path.length && !key && isScalar(pair?.value) ? pair.value : pair?.key;
      } else if (isSeq(parent) && typeof seg === 'number') node = parent.items[seg];
      const start = (node as { range?: readonly number[] } | undefined)?.range?.[0];
      if (start !== undefined) {
        const pos = lines.linePos(start);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
}
