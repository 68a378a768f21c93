// Command-line options of `npm run bench` (node dist/bench/run.js).

/**
 * Every variant the harness knows, in the order it runs them (direct first: the others are compared to it).
 * `http-http` and `http-stdio` are pass-through gateways (every policy off); `http-http-full` is `http-http`
 * with the full reliability stack (deadline, retry, breakers, bulkhead, two replicas; cache off);
 * `http-http-guarded` is `http-http` with guards (issue 10): schema validation of every call against the
 * tool's inputSchema plus a SQL read-only guard on the echo text, which the load generator sends as a
 * `SELECT '…'` statement of the scenario's size. `http-http-observed` is `http-http` with the operations
 * subscribers on (admin listener, Prometheus metrics, access log to a file); `http-http-traced` adds
 * OpenTelemetry tracing at 100 % sampling, exported over OTLP/HTTP to a sink in the harness (issue 11).
 */
export const VARIANTS = [
  'direct',
  'http-http',
  'http-http-full',
  'http-http-guarded',
  'http-http-observed',
  'http-http-traced',
  'http-stdio',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** Scenario name → echo payload size in bytes. */
export const SCENARIOS = { 'echo-100B': 100, 'echo-64KB': 64 * 1024 } as const;
export type Scenario = keyof typeof SCENARIOS;

/** Options after parsing and defaulting. */
export interface BenchOptions {
  quick: boolean;
  variants: Variant[];
  scenarios: Scenario[];
  concurrency: number[];
  warmupMs: number;
  durationMs: number;
  pin: boolean;
  idleSessions: number;
  coldRuns: number;
  extras: boolean;
  check: boolean;
  outDir: string | undefined;
  gateway: string | undefined;
  profile: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]      (or: node dist/bench/run.js [options])

  --quick                 short cells (0.5 s warm-up + 1.5 s) and fewer samples; whole run < 90 s
  --variants LIST         comma list of direct, http-http, http-http-full, http-http-guarded,
                          http-http-observed, http-http-traced, http-stdio (default: all)
  --scenarios LIST        comma list of echo-100B, echo-64KB                   (default: all)
  --concurrency LIST      comma list of virtual clients per cell               (default: 1,16,64)
  --duration SECONDS      measured window per cell                             (default: 5, quick 1.5)
  --warmup SECONDS        warm-up per cell, not measured                       (default: 1, quick 0.5)
  --idle-sessions N       sessions opened for memory per idle session          (default: 500)
  --cold-runs N           cold starts measured, median reported                (default: 5, quick 3)
  --no-extras             skip cold start and idle-session memory
  --no-pin                do not pin processes to CPUs with taskset
  --check                 exit 2 when a figure misses its target
  --out DIR               where latest.json / latest.md go                     (default: bench/results)
  --profile               start the gateways with --cpu-prof (profiles in <out>/profiles, on graceful exit)
  --gateway PATH          gateway entry point to start with "serve --config"   (default: dist/src/main.js)
  --help`;

/** Parses argv (without node and script); throws an Error with a user-facing message on bad input. */
export function parseArgs(argv: readonly string[]): BenchOptions | 'help' {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--') && TAKES_VALUE.has(a.slice(2))) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), true);
  }
  for (const k of flags.keys()) if (!KNOWN.has(k)) throw new Error(`unknown option --${k}`);
  if (flags.has('help')) return 'help';
  const quick = flags.has('quick');
  const str = (k: string): string | undefined => {
    const v = flags.get(k);
    if (v === true) throw new Error(`--${k} needs a value`);
    return v;
  };
  const list = <T extends string>(k: string, allowed: readonly T[]): T[] => {
    const v = str(k);
    if (v === undefined) return [...allowed];
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const it of items) if (!allowed.includes(it as T)) throw new Error(`--${k}: "${it}" is not one of ${allowed.join(', ')}`);
    return allowed.filter((a) => items.includes(a));
  };
  const num = (k: string, dflt: number, min: number, max: number): number => {
    const v = str(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${k}: expected a number in [${min}, ${max}], got "${v}"`);
    return n;
  };
  const concurrency = (str('concurrency') ?? '1,16,64').split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 512) throw new Error(`--concurrency: "${s}" is not an integer in [1, 512]`);
    return n;
  });
  return {
    quick,
    variants: list('variants', VARIANTS),
    scenarios: list('scenarios', Object.keys(SCENARIOS) as Scenario[]),
    concurrency: [...new Set(concurrency)].sort((a, b) => a - b),
    warmupMs: num('warmup', quick ? 0.5 : 1, 0, 60) * 1000,
    durationMs: num('duration', quick ? 1.5 : 5, 0.2, 120) * 1000,
    pin: !flags.has('no-pin'),
    idleSessions: num('idle-sessions', 500, 10, 10_000),
    coldRuns: num('cold-runs', quick ? 3 : 5, 1, 20),
    extras: !flags.has('no-extras'),
    check: flags.has('check'),
    outDir: str('out'),
    gateway: str('gateway'),
    profile: flags.has('profile'),
  };
}

const TAKES_VALUE = new Set(['variants', 'scenarios', 'concurrency', 'duration', 'warmup', 'idle-sessions', 'cold-runs', 'out', 'gateway']);
const KNOWN = new Set([...TAKES_VALUE, 'quick', 'no-extras', 'no-pin', 'check', 'profile', 'help']);
