// Command-line options of `npm run soak` (node dist/bench/soak.js).

/** Options after parsing and defaulting. */
export interface SoakOptions {
  /** Whole run, baseline included. */
  totalMs: number;
  /** Phase 1: well-behaved clients alone. */
  baselineMs: number;
  outDir: string | undefined;
}

export const SOAK_USAGE = `Usage: npm run soak -- [options]      (or: node dist/bench/soak.js [options])

  --minutes N       whole run, baseline included                       (default 10)
  --baseline-s N    phase 1, well-behaved clients without attackers    (default 60)
  --quick           2 minutes, 30 s baseline
  --out DIR         where soak-latest.md / soak-latest.json go         (default bench/results)
  --help`;

/** Parses argv (without node and script); throws an Error with a user-facing message on bad input. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | 'help' {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (TAKES_VALUE.has(a.slice(2)) && argv[i + 1] !== undefined) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), true);
  }
  for (const k of flags.keys()) if (!KNOWN.has(k)) throw new Error(`unknown option --${k}`);
  if (flags.has('help')) return 'help';
  const quick = flags.has('quick');
  const num = (k: string, dflt: number, min: number, max: number): number => {
    const v = flags.get(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (v === true || !Number.isFinite(n) || n < min || n > max) throw new Error(`--${k}: expected a number in [${min}, ${max}]`);
    return n;
  };
  const minutes = num('minutes', quick ? 2 : 10, 1, 240);
  const baselineS = num('baseline-s', quick ? 30 : 60, 5, 3600);
  if (baselineS * 1000 >= minutes * 60_000 - 60_000) throw new Error('--baseline-s must leave at least 1 minute of attack phase');
  const out = flags.get('out');
  if (out === true) throw new Error('--out needs a value');
  return { totalMs: minutes * 60_000, baselineMs: baselineS * 1000, outDir: out };
}

const TAKES_VALUE = new Set(['minutes', 'baseline-s', 'out']);
const KNOWN = new Set([...TAKES_VALUE, 'quick', 'help']);
