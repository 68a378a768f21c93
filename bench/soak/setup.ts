// The processes of the soak: two HTTP upstreams started here, the gateway (which spawns its stdio upstreams),
// and the gateway config that puts every attack's target behind it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild, stopChild, waitForLine, type Child } from '../lib/children.js';

/** Where the soak's entry points and fixtures live. */
export interface SoakPaths {
  root: string;
  gatewayMain: string;
  rawStdio: string;
  rawHttp: string;
}

/** Paths from the repository root (the fixtures are plain .mjs, run from the source tree). */
export function soakPaths(root: string): SoakPaths {
  return {
    root,
    gatewayMain: join(root, 'dist/src/main.js'),
    rawStdio: join(root, 'test/fixtures/upstream-raw/server.mjs'),
    rawHttp: join(root, 'test/fixtures/upstream-raw/http-server.mjs'),
  };
}

/** Soak settings that differ from the defaults, so each bound is reached within minutes (see docs/benchmarks.md). */
export const SOAK_LIMITS = {
  maxConnections: 256,
  maxSessions: 2000,
  maxPerClient: 5000,
  maxBodyBytes: 4 * 1024 * 1024,
} as const;

/** The stdio mock's script: echo for the well-behaved clients, a tool that streams progress for the non-readers. */
const MOCK_SCRIPT = {
  tools: {
    echo: {},
    stream: { progress: { count: 2000, intervalMs: 2 }, text: 'streamed' },
  },
};

/** The gateway's YAML (JSON-quoted scalars are valid YAML). */
export function soakConfig(p: SoakPaths, tmpDir: string, httpUrl: string, get404Url: string): string {
  const q = JSON.stringify;
  const script = join(tmpDir, 'mock-script.json');
  writeFileSync(script, JSON.stringify(MOCK_SCRIPT));
  const node = q(process.execPath);
  const main = q(p.gatewayMain);
  const raw = q(p.rawStdio);
  return [
    'server:',
    '  host: 127.0.0.1',
    '  port: 0',
    `  maxConnections: ${SOAK_LIMITS.maxConnections}`,
    `  maxBodyBytes: ${SOAK_LIMITS.maxBodyBytes}`,
    `  sessions: { maxSessions: ${SOAK_LIMITS.maxSessions}, maxPerClient: ${SOAK_LIMITS.maxPerClient} }`,
    'logging: { level: warn }',
    'upstreams:',
    `  mock: { command: ${node}, args: [${main}, mock-upstream, --script, ${q(script)}] }`,
    `  http: { url: ${q(httpUrl)} }`,
    // Breaker off: a too-deep result is an upstream failure and would open it after a few calls, and the soak
    // wants every deep result parsed and refused for its whole length.
    `  raw: { command: ${node}, args: [${raw}], policies: { breaker: { enabled: false } } }`,
    `  deepschema: { command: ${node}, args: [${raw}], env: { RAW_DEEP_SCHEMA: "20000" } }`,
    `  noisy: { command: ${node}, args: [${raw}], env: { RAW_GARBAGE_EVERY_MS: "2" } }`,
    `  storm: { command: ${node}, args: [${main}, mock-upstream, --list-changed-every-ms, "1"] }`,
    `  get404: { url: ${q(get404Url)} }`,
    '',
  ].join('\n');
}

/** A process serving MCP over HTTP. */
export interface HttpServer {
  child: Child;
  url: string;
}

/** `breakwater mock-upstream --transport http` on an ephemeral port. */
export async function startHttpMock(p: SoakPaths): Promise<HttpServer> {
  const child = spawnChild('http mock upstream', process.execPath, [p.gatewayMain, 'mock-upstream', '--transport', 'http'], {
    cwd: p.root,
  });
  const m = await waitForLine(child, /mock-upstream listening (http:\/\/\S+)/, 20_000);
  return { child, url: m[1]! };
}

/** The raw HTTP fixture with RAW_GET=404: every GET stream refused although the session is valid. */
export async function startGet404(p: SoakPaths): Promise<HttpServer> {
  const child = spawnChild('raw http upstream (RAW_GET=404)', process.execPath, [p.rawHttp], {
    cwd: p.root,
    env: { ...process.env, RAW_GET: '404' },
  });
  const m = await waitForLine(child, /listening on port (\d+)/, 20_000, 'stderr');
  return { child, url: `http://127.0.0.1:${m[1]!}/mcp` };
}

/** `node dist/src/main.js serve --config <tmp>/soak.yaml`, once it prints its URL. */
export async function startSoakGateway(p: SoakPaths, tmpDir: string, config: string): Promise<HttpServer> {
  const configPath = join(tmpDir, 'soak.yaml');
  writeFileSync(configPath, config);
  const child = spawnChild('gateway', process.execPath, [p.gatewayMain, 'serve', '--config', configPath], { cwd: p.root });
  try {
    const m = await waitForLine(child, /breakwater listening on (http:\/\/\S+)/, 60_000);
    return { child, url: m[1]! };
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}
