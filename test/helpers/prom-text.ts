// A strict reader of the Prometheus text exposition format (0.0.4): every line is a comment (HELP/TYPE),
// blank, or a sample `name{labels} value`; each family is typed once, before its samples; label values are
// properly escaped; no series repeats. Used when promtool is not installed, and to read values in tests.
import { execFileSync } from 'node:child_process';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/** One sample: metric name, labels, value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the exposition text; throws with the line number on the first violation. */
export function parsePromText(text: string): Sample[] {
  const typed = new Map<string, string>();
  const seen = new Set<string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) throw new Error(`bad comment, ${where}`);
      if (!NAME.test(m[2]!)) throw new Error(`bad metric name, ${where}`);
      if (m[1] === 'TYPE') {
        if (typed.has(m[2]!)) throw new Error(`family typed twice, ${where}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]!)) throw new Error(`bad type, ${where}`);
        typed.set(m[2]!, m[3]!);
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/.exec(line);
    if (!m) throw new Error(`bad sample, ${where}`);
    const name = m[1]!;
    const family = typed.has(name)
      ? name
      : SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : '')).find((f) => typed.has(f));
    if (family === undefined) throw new Error(`sample before its TYPE, ${where}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest.length > 0) {
      const l = /^([^=]+)="((?:[^"\\]|\\["\\n])*)",?/.exec(rest);
      if (!l || !LABEL.test(l[1]!)) throw new Error(`bad labels, ${where}`);
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(l[0].length);
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value, ${where}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`series repeated, ${where}`);
    seen.add(key);
    samples.push({ name, labels, value });
  });
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} series of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** `promtool check metrics` output when promtool is installed (empty string: passed); undefined when it is not. */
export function promtoolCheck(text: string): string | undefined {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  try {
    return execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `FAILED: ${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}
