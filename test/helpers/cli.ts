// Runs the built CLI (dist/src/main.js) as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The built CLI entry (npm run build first). */
export const MAIN = new URL('../../dist/src/main.js', import.meta.url).pathname;

/** What a finished CLI run printed and returned. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `breakwater ...args` to completion (killed after `timeoutMs`). */
export function cli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `breakwater serve` (or demo): its URL once "listening", and every line so far. */
export interface RunningGateway {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the exit code. */
  readonly exit: Promise<number | null>;
  /** Waits until a stdout line matches. */
  line(re: RegExp, ms?: number): Promise<string>;
  /** SIGINT and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `breakwater ...args` and waits for "breakwater listening on URL" (rejects if it exits first). */
export async function startGateway(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<RunningGateway> {
  const proc = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers: { re: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    stdout.push(l);
    for (const w of watchers.filter((x) => x.re.test(l))) w.resolve(l);
  });
  createInterface({ input: proc.stderr! }).on('line', (l) => stderr.push(l));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const line = (re: RegExp, ms = 20_000): Promise<string> => {
    const seen = stdout.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line ${re} in ${ms} ms:\n${stdout.join('\n')}\n${stderr.join('\n')}`)), ms);
      watchers.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exit.then(() => reject(new Error(`exited before ${re}:\n${stdout.join('\n')}\n${stderr.join('\n')}`)));
    });
  };
  const url = /^breakwater listening on (\S+)$/.exec(await line(/^breakwater listening on \S+$/))![1]!;
  return {
    proc,
    url,
    stdout,
    stderr,
    exit,
    line,
    stop: () => {
      proc.kill('SIGINT');
      return exit;
    },
  };
}

/** A config file in a fresh temp folder; `cleanup` removes the folder. */
export function tempConfig(yaml: string, name = 'breakwater.yaml'): { file: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return { file, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An upstream entry running the built mock-upstream (tools: echo). */
export function mockUpstreamYaml(name: string): string {
  return `  ${name}:\n    command: ${JSON.stringify(process.execPath)}\n    args: ${JSON.stringify([MAIN, 'mock-upstream'])}\n`;
}

/** True when the text holds a JavaScript stack trace. */
export const hasStack = (text: string): boolean => /\n\s+at .+[:(]\d+/.test(text) || /node:internal/.test(text);
