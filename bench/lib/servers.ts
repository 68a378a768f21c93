// Starting the processes under test: the bench upstream (HTTP), the gateway in front of it, a load-generator cell.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastWords, spawnChild, stopChild, waitForLine, type Child } from './children.js';
import { RESULT_PREFIX, type LoadCellConfig, type LoadCellResult } from '../load/protocol.js';

/** Where everything lives, resolved from this compiled file (dist/bench/lib/servers.js). */
export interface Paths {
  root: string;
  gatewayMain: string;
  upstreamHttp: string;
  upstreamStdio: string;
  loadMain: string;
}

/** Absolute paths of the repository root and the compiled entry points. */
export function resolvePaths(gatewayOverride?: string): Paths {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '../../..');
  return {
    root,
    gatewayMain: gatewayOverride !== undefined ? resolve(gatewayOverride) : join(root, 'dist/src/main.js'),
    upstreamHttp: join(root, 'dist/bench/upstream/http.js'),
    upstreamStdio: join(root, 'dist/bench/upstream/stdio.js'),
    loadMain: join(root, 'dist/bench/load/main.js'),
  };
}

/** Whether the gateway has been built (dist/src/main.js exists). */
export function gatewayAvailable(p: Paths): boolean {
  return existsSync(p.gatewayMain);
}

const UPSTREAM_READY_MS = 10_000;
const GATEWAY_READY_MS = 20_000;

/** A process serving MCP at url. */
export interface Server {
  child: Child;
  url: string;
}

/** Starts the bench's Streamable HTTP upstream on an ephemeral port. */
export async function startHttpUpstream(p: Paths, cpu: number | undefined): Promise<Server> {
  const child = spawnChild('upstream', process.execPath, [p.upstreamHttp, '--exit-on-stdin-close'], { cpu, cwd: p.root, stdin: 'pipe' });
  try {
    const m = await waitForLine(child, /listening on (http:\/\/\S+)/, UPSTREAM_READY_MS);
    return { child, url: m[1]! };
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}

/** The gateway's upstream for a variant: the HTTP upstream's URL, or the stdio upstream command. */
export type GatewayUpstream = { url: string } | { stdio: true };

/** Which policies the gateway runs: none (pass-through), or the full reliability stack. */
export type GatewayStack = 'pass-through' | 'full' | 'guarded' | 'observed' | 'traced';

/** Every policy off: the gateway only routes and forwards (the baseline the stack is compared to). */
const PASS_THROUGH_POLICIES = '{ timeoutMs: 0, breaker: { enabled: false }, bulkhead: { enabled: false }, healthCheck: { intervalMs: 0 } }';

/** Guards per stack: schema validation (on by default) off except in the guarded variant, which adds a SQL guard. */
const GUARDS: Record<GatewayStack, string> = {
  'pass-through': '{ schema: { enabled: false } }',
  full: '{ schema: { enabled: false } }',
  guarded: '{ schema: { enabled: true }, tools: { echo: [{ type: sql, args: [/text] }] } }',
  observed: '{ schema: { enabled: false } }',
  traced: '{ schema: { enabled: false } }',
};

/** Where the observed/traced stacks write their access log and send their spans. */
export interface ObservabilityTargets {
  readonly accessLogFile: string;
  readonly traceEndpoint?: string;
}

/** The operations sections of the observed (metrics + access log) and traced (+ tracing at 100 %) stacks. */
function observabilityConfig(stack: GatewayStack, o: ObservabilityTargets | undefined): string[] {
  if ((stack !== 'observed' && stack !== 'traced') || o === undefined) return [];
  const q = JSON.stringify;
  const tracing =
    stack === 'traced' && o.traceEndpoint ? `, tracing: { enabled: true, endpoint: ${q(o.traceEndpoint)}, sampleRatio: 1 }` : '';
  return [
    'admin: { enabled: true, host: 127.0.0.1, port: 0 }',
    `observability: { metrics: { enabled: true }, accessLog: { enabled: true, stdout: false, file: ${q(o.accessLogFile)} }${tracing} }`,
  ];
}

/**
 * The full reliability stack with cache off, as an operator would run it: overall deadline and attempt
 * timeout, retries (the echo tool is declared idempotent, so every call takes the safe path), a breaker per
 * replica, the upstream bulkhead, two replicas (the same upstream twice, weighted round robin, ejection on)
 * and the default health check. Limits sit above the bench's concurrency, so nothing is shed.
 */
const FULL_POLICIES =
  '{ timeoutMs: 30000, attemptTimeoutMs: 10000, idempotent: true, retry: { enabled: true }, breaker: { enabled: true }, ' +
  'bulkhead: { maxConcurrent: 256, maxQueue: 256 }, replicas: { strategy: weighted }, cache: { enabled: false } }';

/** The YAML config the gateway is started with (JSON-quoted scalars are valid YAML). */
export function gatewayConfig(
  p: Paths,
  upstream: GatewayUpstream,
  stack: GatewayStack = 'pass-through',
  obs?: ObservabilityTargets,
): string {
  const q = JSON.stringify;
  const policies = stack === 'full' ? FULL_POLICIES : PASS_THROUGH_POLICIES;
  const up =
    'url' in upstream
      ? `{ url: ${q(upstream.url)}, prefix: ""${stack === 'full' ? `, replicas: [{ url: ${q(upstream.url)} }]` : ''}, policies: ${policies}, guards: ${GUARDS[stack]} }`
      : `{ command: ${q(process.execPath)}, args: [${q(p.upstreamStdio)}], prefix: "", policies: ${policies}, guards: ${GUARDS[stack]} }`;
  return [
    'server: { host: 127.0.0.1, port: 0 }',
    'logging: { level: warn }',
    ...observabilityConfig(stack, obs),
    'upstreams:',
    `  bench: ${up}`,
    '',
  ].join('\n');
}

/** A started gateway; inspectorUrl is set when started with inspect. */
export interface Gateway extends Server {
  inspectorUrl?: string;
}

/** Starts `node dist/src/main.js serve --config <tmp>/<name>.yaml` and waits for its "listening" line. */
export async function startGateway(
  p: Paths,
  upstream: GatewayUpstream,
  opts: {
    cpu: number | undefined;
    tmpDir: string;
    name: string;
    inspect?: boolean;
    profileDir?: string | undefined;
    stack?: GatewayStack;
    traceEndpoint?: string;
  },
): Promise<Gateway> {
  const configPath = join(opts.tmpDir, `${opts.name}.yaml`);
  const obs = {
    accessLogFile: join(opts.tmpDir, `${opts.name}-access.log`),
    ...(opts.traceEndpoint && { traceEndpoint: opts.traceEndpoint }),
  };
  writeFileSync(configPath, gatewayConfig(p, upstream, opts.stack, obs));
  const nodeArgs = opts.inspect ? ['--inspect=127.0.0.1:0'] : [];
  if (opts.profileDir !== undefined)
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`, `--cpu-prof-name=${opts.name}.cpuprofile`);
  const child = spawnChild(`gateway (${opts.name})`, process.execPath, [...nodeArgs, p.gatewayMain, 'serve', '--config', configPath], {
    cpu: opts.cpu,
    cwd: p.root,
  });
  try {
    const inspector = opts.inspect ? waitForLine(child, /Debugger listening on (ws:\/\/\S+)/, GATEWAY_READY_MS, 'stderr') : undefined;
    const m = await waitForLine(child, /breakwater listening on (http:\/\/\S+)/, GATEWAY_READY_MS);
    const gw: Gateway = { child, url: m[1]! };
    if (inspector) gw.inspectorUrl = (await inspector)[1]!;
    return gw;
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}

/** Runs one load-generator cell in its own process (pinned to cpu) and returns its result. */
export async function runLoadCell(p: Paths, cfg: LoadCellConfig, cpu: number | undefined): Promise<LoadCellResult> {
  const child = spawnChild('load generator', process.execPath, [p.loadMain, JSON.stringify(cfg)], { cpu, cwd: p.root });
  const limitMs = cfg.warmupMs + cfg.durationMs + 2 * cfg.setupTimeoutMs + 25_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), limitMs);
  });
  const outcome = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await stopChild(child, 500);
    throw new Error(`load generator did not finish within ${limitMs} ms\n${lastWords(child)}`);
  }
  // Let the last lines be read after exit.
  await Promise.race([child.closed, new Promise((r) => setTimeout(r, 2_000))]);
  const line = child.stdoutTail.find((l) => l.startsWith(RESULT_PREFIX));
  if (outcome.code !== 0 || line === undefined) {
    throw new Error(`load generator failed (code ${outcome.code}, signal ${outcome.signal})\n${lastWords(child)}`);
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as LoadCellResult;
}
