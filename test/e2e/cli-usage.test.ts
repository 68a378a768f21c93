// The CLI as a newcomer meets it (issue 8 item 1): help on every command, version, strict flags with
// the valid choices, one-line errors naming the flag, exit codes, no stack traces. Runs the built CLI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/commands.js';
import { cli, hasStack } from '../helpers/cli.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

void describe('CLI usage', () => {
  void it('--help and -h on every command print its help, list every option and the exit codes, start nothing, exit 0', async (t) => {
    const started = performance.now();
    const runs = COMMANDS.flatMap((entry) =>
      (['serve', 'demo', 'client', 'check-config'].includes(entry.name) ? ['--help', '-h'] : ['--help']).map((flag) => ({ entry, flag })),
    );
    await pool(runs, 3, async ({ entry, flag }) => {
      const def = (await entry.load()).command;
      {
        const r = await cli([entry.name, flag], { timeoutMs: 60_000 });
        assert.equal(r.code, 0, `${entry.name} ${flag}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: breakwater ${entry.name}`), entry.name);
        assert.equal(r.stderr, '', `${entry.name} ${flag} wrote to stderr`);
        assert.doesNotMatch(r.stdout, /^breakwater listening on|No config/m, `${entry.name} ${flag} started something`);
        if (def.raw === undefined) {
          for (const name of Object.keys(def.options))
            assert.match(r.stdout, new RegExp(`--${name}\\b`), `${entry.name} help lists --${name}`);
          assert.match(r.stdout, /Exit codes:\n {2}0 /, `${entry.name} help documents exit codes`);
        }
      }
    });
    // demo --help used to start the demo on 8080; serve -h used to read "-h" as a config file.
    const help = await cli(['help', 'serve']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--wait-ready\[=MS\]/);
    assert.match(help.stdout, /--log-level LEVEL/);
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    for (const entry of COMMANDS) assert.match(top.stdout, new RegExp(`\\n {2}${entry.name} `), `top-level help lists ${entry.name}`);
    assert.match(top.stdout, /Exit codes:/);
    const none = await cli([]);
    assert.equal(none.code, 2, 'no command is a usage error');
    assert.match(none.stderr, /Usage: breakwater <command>/);
    // In-command help never starts a gateway even with a config that would.
    const demo = await cli(['demo', '--port', '0', '--help']);
    assert.equal(demo.code, 0);
    assert.doesNotMatch(demo.stdout, /listening/);
    t.diagnostic(`help of ${COMMANDS.length} commands (${runs.length} runs) in ${Math.round(performance.now() - started)} ms`);
  });

  void it('--version, -v and version print the package version', async () => {
    for (const args of [['--version'], ['-v'], ['version']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.equal(r.stdout, `breakwater ${VERSION} (node ${process.version})\n`);
    }
  });

  void it('unknown flags, commands and bad values: exit 2, one line naming the flag and the valid choices', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['serve', '--confg', 'x.yaml'],
        /^breakwater serve: unknown option --confg \(did you mean --config\?\); valid options: --config, --port/,
      ],
      [['client', 'list', '--era', 'foo'], /^breakwater client: --era must be one of legacy, modern \(got "foo"\)/],
      [['serve', '--port', 'abc'], /^breakwater serve: --port must be a port number 0-65535.*\(got "abc"\)/],
      [['serve', '--port', '99999'], /^breakwater serve: --port must be a port number 0-65535.*\(got "99999"\)/],
      [['demo', '--port=-1'], /^breakwater demo: --port must be a port number/],
      [['serve', '--log-level', 'loud'], /^breakwater serve: --log-level must be one of trace, debug, info, warn, error, fatal, silent/],
      [['doctor', '--timeout', 'soon'], /^breakwater doctor: --timeout must be a duration in milliseconds/],
      [['serve', '--wait-ready=soon'], /^breakwater serve: --wait-ready must be a duration in milliseconds/],
      [['serve', '--port'], /^breakwater serve: --port needs a value N/],
      [['demo', '--port', '-1'], /^breakwater demo: --port needs a value N \(a value starting with "-" must be attached: --port=VALUE\)/],
      [['client', 'lst'], /^breakwater client: unknown action "lst" \(did you mean list\?\); expected one of list, call/],
      [['client'], /^breakwater client: missing argument: list\|call/],
      [['client', 'call'], /^breakwater client: client call needs --tool NAME/],
      [['client', 'call', '--tool', 'x', '--args', '[1]'], /^breakwater client: --args must be a JSON object/],
      [['client', 'list', '--url', 'nope'], /^breakwater client: --url must be an absolute URL/],
      [['check-config', 'a.yaml', 'b.yaml'], /^breakwater check-config: unexpected extra argument "b.yaml"/],
      [['version', '--json'], /^breakwater version: unknown option --json/],
      [['serv'], /^breakwater: unknown command "serv" \(did you mean serve\?\)/],
      [['init', '--from', 'a.json', '--starter'], /^breakwater init: --from and --starter exclude each other/],
    ];
    await pool(cases, 3, async ([args, re]) => {
      const r = await cli(args, { timeoutMs: 60_000 });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.equal(hasStack(r.stderr), false, `no stack: ${r.stderr}`);
      assert.equal(r.stdout, '', `${args.join(' ')} printed to stdout`);
    });
  });

  void it('no config: one line with the fix, exit 2', async () => {
    const r = await cli(['serve'], { cwd: '/' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^breakwater serve: no config: pass --config FILE, or run `breakwater init`/);
    assert.equal(hasStack(r.stderr), false);
  });
});

/** Runs `work` over `items`, at most `limit` at once (each run is a node process on a shared 2-core box). */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
