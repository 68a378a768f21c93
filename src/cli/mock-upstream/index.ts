// `breakwater mock-upstream`: a scripted MCP server for rehearsing upstream failures and for chaos tests.
import { parseMockArgs, ScriptError, USAGE, UsageError, type MockOptions } from './args.js';
import { ToolTable } from './behaviour.js';
import { MockEngine } from './engine.js';
import { notificationFrame } from './frames.js';
import { serveHttp } from './http.js';
import { Stats } from './stats.js';
import { serveStdio } from './stdio.js';
import type { MockTransport } from './types.js';

/** Exit code of a scripted crash (`crashAfterCalls`), distinct from ordinary failures (EX_SOFTWARE). */
export const CRASH_EXIT_CODE = 70;

export { parseScript, loadScript, type MockScript, type ToolBehaviour } from './script.js';
export type { StatsSnapshot } from './stats.js';

/** Runs the command with `argv` (flags only); resolves with the exit code once the server stops. */
export async function runMockUpstream(argv: string[]): Promise<number> {
  let options: MockOptions | undefined;
  try {
    options = parseMockArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof ScriptError)) throw err;
    process.stderr.write(`mock-upstream: ${err.message}\n${err instanceof UsageError ? USAGE : ''}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  return serve(options);
}

async function serve(o: MockOptions): Promise<number> {
  const stats = new Stats(o.statsFile);
  const table = new ToolTable(o.script);
  let transport: MockTransport | undefined;
  const crash = (): void => {
    // Answers already given must reach the client and the counters the file: then die like a crash would.
    transport?.flush();
    stats.flushSync();
    process.exit(CRASH_EXIT_CODE);
  };
  const engine = new MockEngine({ script: o.script, table, stats, exposeControl: o.exposeControl, crash });
  if (o.transport === 'http') {
    const http = await serveHttp(engine, stats, o.port);
    process.stdout.write(`mock-upstream listening ${http.url}\n`);
    transport = http;
  } else {
    transport = serveStdio(engine, () => stats.settle());
  }
  process.stderr.write(`mock-upstream: ${o.transport} ready, seed ${table.seed}\n`);

  const t = transport;
  const every = o.script.listChangedEveryMs;
  const ticker =
    every > 0
      ? setInterval(() => {
          stats.listChanged();
          t.broadcast(notificationFrame('notifications/tools/list_changed'));
        }, every)
      : undefined;
  const stop = (): void => t.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    return await t.done;
  } finally {
    clearInterval(ticker);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    stats.flushSync();
  }
}
