// The HTTP conformance fixture as a child process, for tests that need a real (restartable) HTTP upstream.
import { spawn } from 'node:child_process';

const ENTRY = new URL('../fixtures/conformance-server/http.ts', import.meta.url).pathname;

/** A running fixture: its port (to restart it on the same one) and URL. */
export interface Fixture {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Stops it: SIGKILL (a crash, the default) or SIGTERM. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the fixture on `port` (0: any), with extra flags (`--push-input`), and resolves once it prints its URL. */
export async function startFixture(port = 0, flags: readonly string[] = []): Promise<Fixture> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--port', String(port), ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.resume();
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /listening (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(text);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before listening: ${text}`)));
  });
  return {
    port: Number(new URL(url).port),
    url,
    pid: child.pid!,
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}
