// Start-up that tells the truth (issue 8 items 1 and 3), through the built CLI: logs on stderr and human
// lines on stdout, a progress line per upstream and a summary, a broken upstream never looks like
// success, --wait-ready, upstream stderr at its level, --log-level, a busy port named with the fix.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { cli, hasStack, mockUpstreamYaml, startGateway, tempConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/mock-upstream.js';

const NOISY = `  noisy:\n    command: ${JSON.stringify(process.execPath)}\n    args: ["-e", "process.stderr.write('Error: cannot open /data/db\\\\n'); process.exit(3)"]\n`;
const BROKEN = '  broken:\n    command: /nonexistent/mcp-server\n';

void describe('CLI start-up', () => {
  void it('a broken upstream shows as failed with its reason, the summary counts ready upstreams, client list says why', async (t) => {
    const cfg = tempConfig(`server: { port: 0 }\nupstreams:\n${mockUpstreamYaml('good')}${BROKEN}${NOISY}`);
    const started = performance.now();
    const gw = await startGateway(['serve', cfg.file]);
    try {
      const summary = await gw.line(/^breakwater: \d+ of 3 upstreams ready/);
      t.diagnostic(`summary after ${Math.round(performance.now() - started)} ms: ${summary}`);
      assert.match(
        summary,
        /^breakwater: 1 of 3 upstreams ready, 1 tool; not ready: .*broken: spawn failed: spawn \/nonexistent\/mcp-server ENOENT/,
      );
      const out = gw.stdout.join('\n');
      assert.match(out, /^ {2}good: starting…$/m);
      assert.match(out, /^ {2}good: ready, 1 tool in \d+\.\d s$/m);
      assert.match(out, /^ {2}broken: failed: spawn failed: spawn \/nonexistent\/mcp-server ENOENT, retrying$/m);
      // "listening" comes after the listener is up, and progress lines came before the summary.
      assert.ok(gw.stdout.findIndex((l) => l.startsWith('breakwater listening on')) < gw.stdout.indexOf(summary));
      // Human output and logs do not share a stream: stdout has no JSON, stderr only JSON (not a terminal).
      assert.equal(gw.stdout.filter((l) => l.startsWith('{')).length, 0, out);
      const logs = gw.stderr.map((l) => JSON.parse(l) as Record<string, unknown>);
      // The child's "Error:" line on stderr is logged at error, not info.
      const noisy = logs.find((l) => l.upstream === 'noisy' && l.stream === 'stderr');
      assert.equal(noisy?.level, 'error', JSON.stringify(noisy));
      assert.equal(noisy?.msg, 'Error: cannot open /data/db');
      const list = await cli(['client', 'list', '--url', gw.url]);
      assert.equal(list.code, 0);
      assert.match(list.stdout, /^1 tools \(legacy era\):\n {2}good__echo/);
    } finally {
      assert.equal(await gw.stop(), 0);
      cfg.cleanup();
    }
  });

  void it('client list against a gateway with no ready upstream: exit 1 naming the upstream states', async () => {
    const cfg = tempConfig(`server: { port: 0 }\nlogging: { level: error }\nupstreams:\n${BROKEN}`);
    // --log-level overrides logging.level (error would hide the warning below).
    const gw = await startGateway(['serve', cfg.file, '--log-level', 'warn']);
    try {
      await gw.line(/^breakwater: 0 of 1 upstream ready/);
      const levels = await waitFor(
        () => {
          const seen = new Set(gw.stderr.map((l) => (JSON.parse(l) as { level: string }).level));
          return seen.has('warn') ? seen : undefined;
        },
        20_000,
        'a warning on stderr',
      );
      assert.ok(!levels.has('info'), [...levels].join());
      const list = await cli(['client', 'list', '--url', gw.url]);
      assert.equal(list.code, 1, 'no tools is not success');
      assert.match(list.stderr, /^breakwater client: the gateway lists no tools: upstreams broken (restarting|down)/);
    } finally {
      await gw.stop();
      cfg.cleanup();
    }
  });

  void it('--wait-ready: exit 1 with one line when an upstream does not come up; announces only when all are ready', async () => {
    const bad = tempConfig(`server: { port: 0 }\nlogging: { level: fatal }\nupstreams:\n${mockUpstreamYaml('good')}${BROKEN}`);
    const failed = await cli(['serve', bad.file, '--wait-ready=1500'], { timeoutMs: 60_000 });
    assert.equal(failed.code, 1);
    assert.doesNotMatch(failed.stdout, /breakwater listening on/);
    assert.match(
      failed.stderr,
      /^breakwater serve: not every upstream was ready within 1500 ms \(.*broken: spawn failed: .*ENOENT\); .*--wait-ready=MS\n$/,
    );
    assert.equal(hasStack(failed.stderr), false);
    bad.cleanup();
    const good = tempConfig(`server: { port: 0 }\nupstreams:\n${mockUpstreamYaml('a')}${mockUpstreamYaml('b')}`);
    const gw = await startGateway(['serve', good.file, '--wait-ready', '--log-format', 'pretty']);
    try {
      const at = gw.stdout.findIndex((l) => l.startsWith('breakwater listening on'));
      assert.ok(
        gw.stdout.slice(0, at).some((l) => /^ {2}a: ready, 1 tool/.test(l)),
        gw.stdout.join('\n'),
      );
      assert.ok(
        gw.stdout.slice(0, at).some((l) => /^ {2}b: ready, 1 tool/.test(l)),
        gw.stdout.join('\n'),
      );
      await gw.line(/^breakwater: 2 of 2 upstreams ready, 2 tools$/);
      // --log-format pretty (what a terminal gets): readable lines, no JSON.
      await waitFor(() => gw.stderr.some((l) => /INFO.*listening/.test(l)), 20_000, 'the pretty "listening" log line');
      assert.equal(gw.stderr.filter((l) => l.startsWith('{')).length, 0, gw.stderr.join('\n'));
    } finally {
      await gw.stop();
      good.cleanup();
    }
  });

  void it('a busy port: one line naming the port and --port, before any upstream starts; exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const cfg = tempConfig(`server: { port: ${port} }\nupstreams:\n${mockUpstreamYaml('good')}`);
    try {
      const r = await cli(['serve', cfg.file], { timeoutMs: 60_000 });
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `breakwater serve: port ${port} on 127.0.0.1 is already in use: stop whatever listens there, or pick another port with --port N (0 = any free port)\n`,
      );
      assert.equal(r.stdout, '', 'no upstream was started (no progress lines, no "upstream failed to start")');
    } finally {
      blocker.close();
      cfg.cleanup();
    }
  });
});
