// Issue 8 item 7: every command line shown in README.md and docs/*.md runs here, as written, or its block
// says why not. Breakwater invocations (`npx breakwater …`, `breakwater …`, `node dist/src/main.js …`) run
// the CLI from source, one fresh folder per block holding the doc's files its commands name (`file: NAME`);
// a console block's output lines and `echo $?` are compared with what the command printed. Long-running
// commands must come up (a ready line) and stop on SIGTERM; `client` commands run against a gateway
// started here (the URL rewritten). npm scripts and bench entries must exist. Block markers:
//   <!-- file: NAME -->                 the block is written to NAME in the scratch folder
//   <!-- needs-network: cmd, cmd (why) -->  those subcommands are not run
//   <!-- not-run: why -->               no command of the block runs (illustrative output)
//   <!-- help: CMD -->                  the block is CMD's usage: each of its lines is in `CMD --help`
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allBlocks, docFiles, type DocBlock } from '../helpers/doc-blocks.js';
import { everythingStdio, startGateway, type TestGateway } from '../helpers/gateway.js';

const ROOT = new URL('../../', import.meta.url);
const MAIN = new URL('src/main.ts', ROOT).pathname;
const TSX = new URL('node_modules/tsx/dist/esm/index.mjs', ROOT).pathname;
const PKG = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> };
const CLI_PREFIXES = [['npx', 'breakwater'], ['breakwater'], ['node', 'dist/src/main.js']];
const LONG_RUNNING = new Set(['serve', 'stdio', 'demo', 'mock-upstream']);

/** Marker `key: value` parts, as in docs-config-blocks.test.ts. */
function parts(block: DocBlock): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (block.marker ?? '').split(';')) {
    const m = /^\s*([\w-]+)\s*(?::\s*(.*?))?\s*$/.exec(part);
    if (m?.[1]) out.set(m[1], m[2] ?? '');
  }
  return out;
}

/** Shell words of one command line: quotes and backslash escapes, no expansion. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      any = true;
    } else if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (/\s/.test(c)) {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur !== '' || any) out.push(cur);
  return out;
}

interface Command {
  readonly block: DocBlock;
  readonly argv: string[];
  /** Output lines shown after it (console blocks). */
  readonly output: string[];
  /** Exit code shown by a following `echo $?`. */
  exit?: number;
}

/** The command lines of a shell/console block (continuations joined, comments dropped). */
function commandsOf(block: DocBlock): Command[] {
  const prompt = block.lang === 'console' || block.lang === '' || block.text.split('\n').some((l) => l.startsWith('$ '));
  const out: Command[] = [];
  const lines = block.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (prompt && !line.startsWith('$ ')) {
      if (line.trim() !== '') out.at(-1)?.output.push(line);
      continue;
    }
    line = prompt ? line.slice(2) : line;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    line = line.replace(/\s+#\s.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === 'echo $?') {
      const code = lines[++i]?.trim();
      const last = out.at(-1);
      if (last && code !== undefined) last.exit = Number(code);
      continue;
    }
    for (const part of line.split(/\s+&&\s+/)) out.push({ block, argv: words(part), output: [] });
  }
  return out;
}

/** The subcommand argv of a Breakwater invocation, or undefined when `argv` is something else. */
function cliArgs(argv: readonly string[]): string[] | undefined {
  for (const prefix of CLI_PREFIXES) if (prefix.every((w, i) => argv[i] === w)) return argv.slice(prefix.length);
  return undefined;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source; a long-running command must print a ready line, then gets SIGTERM. */
function runCli(args: string[], cwd: string, env: Record<string, string>, longRunning: boolean): Promise<Run> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`breakwater ${args.join(' ')}: no ${longRunning ? 'ready line' : 'exit'} within 30 s\n${stdout}${stderr}`));
    }, 30_000);
    const check = () => {
      if (longRunning && /ready|listening/i.test(stdout + stderr) && child.exitCode === null) child.kill('SIGTERM');
    };
    child.stdout.on('data', (d: Buffer) => ((stdout += d), check()));
    child.stderr.on('data', (d: Buffer) => ((stderr += d), check()));
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

const blocks = allBlocks();
const SHELL = new Set(['bash', 'sh', 'console', 'shell', '']);

void describe('docs: every command line shown runs (or its block says why not)', () => {
  let gw: TestGateway | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'docs-cli-'));
  before(async () => {
    // The README's `client` examples talk to a gateway with server-everything (as `npm run demo` has).
    gw = await startGateway({ upstreams: { everything: everythingStdio() } });
  });
  after(async () => {
    await gw?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  let total = 0;
  for (const doc of docFiles()) {
    const own = blocks.filter((b) => b.file === doc);
    const shellBlocks = own.filter((b) => SHELL.has(b.lang) && !parts(b).has('help'));
    const commands = shellBlocks.filter((b) => !parts(b).has('not-run')).flatMap(commandsOf);
    for (const block of own.filter((b) => parts(b).has('help')))
      it(`${block.where}: the usage is what \`${parts(block).get('help')}\` --help prints`, async () => {
        const cmd = parts(block).get('help')!;
        const run = await runCli([...cmd.split(' '), '--help'], scratch, {}, false);
        assert.equal(run.code, 0, run.stderr);
        for (const line of block.text.split('\n').filter((l) => l.trim() && !cliArgs(words(l))))
          assert.ok(run.stdout.includes(line.trim()), `${block.where}: "${line.trim()}" is not in the help`);
      });
    if (commands.length === 0) continue;
    it(`${doc}: ${commands.length} command lines`, async (t) => {
      const env: Record<string, string> = {};
      // The files the doc shows, and a recipe's script that the docs describe but do not show.
      const files = new Map<string, string>([['pushback.yaml', 'tools:\n  pushback: { retryAfterMs: 1000, httpStatus: 503 }\n']]);
      for (const block of own) {
        const p = parts(block);
        const file = p.get('file');
        if (file !== undefined) files.set(file, block.text + '\n');
        for (const name of (p.get('env') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean))
          env[name] = 'example';
      }
      const dirs = new Map<DocBlock, string>();
      for (const command of commands) {
        total++;
        const label = `${command.block.where}: ${command.argv.join(' ')}`;
        const args = cliArgs(command.argv);
        if (args === undefined) {
          checkOther(command.argv, label);
          continue;
        }
        const network = parts(command.block).get('needs-network');
        const sub = args[0] ?? '';
        if (
          network !== undefined &&
          network
            .split('(')[0]!
            .split(/[\s,]+/)
            .includes(sub)
        ) {
          t.diagnostic(`${label}: not run, needs network (${network})`);
          continue;
        }
        // Each block runs in a fresh folder (its commands may build on each other, like a newcomer's session)
        // holding only the doc's files its commands name.
        let dir = dirs.get(command.block);
        if (dir === undefined) dirs.set(command.block, (dir = mkdtempSync(join(scratch, basename(doc, '.md') + '-'))));
        const argv = args.map((a) => {
          if (a === 'http://127.0.0.1:8080/mcp' && gw) return gw.url;
          if (a === '4001') return '0';
          if (a.startsWith('/tmp/')) return join(dir, basename(a));
          const text = files.get(basename(a));
          if (text === undefined) return a;
          writeFileSync(join(dir!, basename(a)), text);
          return join(dir!, basename(a));
        });
        const run = await runCli(argv, dir, env, LONG_RUNNING.has(sub));
        const printed = (run.stdout + run.stderr).replaceAll(dir + '/', '');
        t.diagnostic(`${label}: exit ${run.code}`);
        if (LONG_RUNNING.has(sub)) {
          assert.match(printed, /ready|listening/i, `${label}: it came up`);
          continue;
        }
        assert.equal(run.code, command.exit ?? 0, `${label}\n${printed}`);
        if (command.output.length > 0) {
          const shown = command.output.map((l) => l.replace(/^…\//, ''));
          assert.deepEqual(printed.trimEnd().split('\n'), shown, `${label}: the output shown is the output printed`);
        }
      }
    });
  }

  it('ran every command line it found', (t) => {
    t.diagnostic(`${total} command lines in README.md and docs/*.md`);
    assert.ok(total >= 15, `found ${total}`);
  });
});

/** npm scripts must exist; bench entries must have their source; anything else is a mistake in the docs. */
function checkOther(argv: readonly string[], label: string): void {
  if (argv[0] === 'npm') {
    if (argv[1] === 'install' || argv[1] === 'ci') return;
    const script = argv[1] === 'run' ? argv[2] : argv[1];
    assert.ok(script !== undefined && PKG.scripts[script] !== undefined, `${label}: no npm script "${script}"`);
    return;
  }
  const bench = argv[0] === 'node' ? /^dist\/(bench\/[\w-]+)\.js$/.exec(argv[1] ?? '') : null;
  if (bench) return assert.ok(existsSync(new URL(`${bench[1]}.ts`, ROOT)), `${label}: ${bench[1]}.ts exists`);
  assert.fail(`${label}: not a command this test knows how to run; mark the block or teach the test`);
}
