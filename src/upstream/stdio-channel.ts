import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Clock } from '../core/index.js';
import type { JsonRpcMessage } from '../protocol/index.js';
import { type Channel, type ChannelHandlers, type SendOptions, deliverJson, serialise } from './channel.js';
import { NdjsonDecoder } from './ndjson-decoder.js';
import { deathBoundCommand, groupWatchdog, type GroupWatchdog } from './orphan-guard.js';
import { reapGroup } from './process-tree.js';
import type { UpstreamLogger } from './spec.js';
import { StderrForwarder } from './stderr-forwarder.js';
import { unavailable } from './upstream-errors.js';

/** How to spawn one stdio upstream. */
export interface StdioChannelOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string | undefined;
  readonly maxMessageBytes: number;
  /** Deepest nesting accepted in a message from the child (see deliverJson). */
  readonly maxJsonDepth: number;
  readonly killGraceMs: number;
  readonly log: UpstreamLogger;
  readonly clock: Clock;
  /** Kills the child's process group if the gateway dies without reaping it (default: the process-wide one). */
  readonly watchdog?: GroupWatchdog;
}

/** How a child ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  readonly reason: string;
}

/** After the leader exits, output still in the pipe gets this long to arrive before the channel closes. */
const DRAIN_MS = 50;
const RESOLVED = Promise.resolve();

/**
 * A child process speaking newline-delimited JSON-RPC on stdin/stdout. The child leads its own
 * process group (detached), so stopping it — or its crash — reaps every (grand)child it spawned; and
 * it dies with the gateway (parent-death signal via setpriv, plus the group watchdog), so a SIGKILLed
 * gateway leaves no orphan behind.
 */
export class StdioChannel implements Channel {
  readonly correlated = false;
  readonly cancelByAbort = false;
  readonly pid: number | undefined;
  /** Resolves once the leader exited and the rest of its process group is gone. */
  readonly ended: Promise<ExitInfo>;
  readonly #opts: StdioChannelOptions;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #stderr: StderrForwarder;
  #handlers: ChannelHandlers | undefined;
  #closedReason: string | undefined;
  #exit: ExitInfo | undefined;
  #reaping: Promise<void> | undefined;
  #resolveEnded!: (info: ExitInfo) => void;

  constructor(opts: StdioChannelOptions) {
    this.#opts = opts;
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#stderr = new StderrForwarder(opts.name, opts.log, opts.clock);
    // setpriv execs the command: the pid (and so the process group reaped below) is the server's own.
    const argv = deathBoundCommand(opts.command, opts.args, opts.env, opts.cwd, opts.log);
    this.#child = spawn(argv.file, argv.args, {
      cwd: opts.cwd,
      env: opts.env,
      shell: false,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.pid = this.#child.pid;
    const watchdog = opts.watchdog ?? groupWatchdog;
    if (this.pid !== undefined) watchdog.add(this.pid);
    const decoder = new NdjsonDecoder(opts.maxMessageBytes, {
      line: (text) => this.#onLine(text),
      oversized: (bytes, head, tail) =>
        this.#handlers?.malformed({ reason: 'oversized', detail: `${bytes} bytes > limit ${opts.maxMessageBytes}`, head, tail }),
    });
    const child = this.#child;
    child.stdout.on('data', (chunk: Buffer) => decoder.push(chunk));
    child.stdout.on('close', () => this.#closeChannel(this.#exit?.reason ?? 'stdout closed'));
    child.stderr.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    child.stderr.on('close', () => this.#stderr.end());
    child.stdin.on('error', (err) => opts.log.debug({ upstream: opts.name, err }, 'stdin error'));
    child.on('error', (err) => this.#onExit(null, null, `spawn failed: ${err.message}`));
    child.on('exit', (code, signal) => this.#onExit(code, signal, signal ? `exited by ${signal}` : `exited with code ${code}`));
  }

  setHandlers(handlers: ChannelHandlers): void {
    this.#handlers = handlers;
  }

  send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closedReason !== undefined || !this.#child.stdin.writable) {
      return Promise.reject(unavailable(this.#opts.name, this.#closedReason ?? 'stdin closed', false));
    }
    // Serialised before the write and never thrown: a value too deep to stringify leaves nothing behind.
    let line: string;
    try {
      line = serialise(this.#opts.name, message, options.body) + '\n';
    } catch (err) {
      return Promise.reject(err);
    }
    this.#child.stdin.write(line);
    return RESOLVED;
  }

  setWire(): void {}

  handshakeDone(): void {}

  /** Stops the child and its whole process group (SIGTERM, SIGKILL after the grace). */
  close(): Promise<void> {
    this.#closeChannel('closed');
    this.#reap();
    return this.ended.then(() => undefined);
  }

  #onLine(text: string): void {
    deliverJson(this.#handlers, text, undefined, this.#opts.maxJsonDepth);
  }

  #onExit(code: number | null, signal: string | null, reason: string): void {
    if (this.#exit !== undefined) return;
    this.#exit = { code, signal, reason };
    if (this.pid === undefined) {
      this.#closeChannel(reason);
      this.#resolveEnded(this.#exit);
      return;
    }
    this.#reap();
    // Let output already in the pipe (a response written just before exiting) be read first.
    const timer = this.#opts.clock.setTimeout(() => this.#closeChannel(reason), DRAIN_MS);
    const exit = this.#exit;
    void this.#reaping!.then(async () => {
      this.#opts.clock.clearTimeout(timer);
      this.#closeChannel(reason);
      // The tree is gone; give stderr a bounded moment to drain so its last lines are logged.
      await this.#stderrDrained();
      this.#stderr.end();
      this.#resolveEnded(exit);
    });
  }

  #stderrDrained(): Promise<void> {
    const stderr = this.#child.stderr;
    if (stderr.destroyed || stderr.readableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#opts.clock.clearTimeout(timer);
        stderr.off('close', done);
        resolve();
      };
      const timer = this.#opts.clock.setTimeout(done, DRAIN_MS);
      stderr.once('close', done);
    });
  }

  #reap(): void {
    if (this.#reaping !== undefined || this.pid === undefined) return;
    const pid = this.pid;
    this.#reaping = reapGroup(pid, this.#opts.killGraceMs, this.#opts.clock).finally(() =>
      (this.#opts.watchdog ?? groupWatchdog).remove(pid),
    );
  }

  #closeChannel(reason: string): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    this.#child.stdin.destroy();
    this.#handlers?.close(reason, this.pid !== undefined);
    // stdout ended while the leader still runs: it can no longer answer, so end it.
    if (this.#exit === undefined) this.#reap();
  }
}
