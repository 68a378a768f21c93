// The stdio sandbox with a real bubblewrap and prlimit: the child cannot write outside its writable paths,
// has no network, lives in its own PID namespace and runs under the configured limits; the unsandboxed
// twin can do all of it (so each assertion fails without the feature). Without bwrap: a clear error.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { sandboxedCommand } from '../../src/upstream/sandbox.js';
import { startGateway } from '../helpers/gateway.js';

const FIXTURE = new URL('../fixtures/sandbox-probe-upstream.mjs', import.meta.url).pathname;
const HAVE_BWRAP = existsSync('/usr/bin/bwrap') || existsSync('/bin/bwrap');

interface Probe {
  pid: number;
  limits: string[];
  writes: Record<string, string>;
  pids: number;
  connected?: boolean;
}

describe('stdio sandbox', () => {
  it('refuses to start unsandboxed when bubblewrap or prlimit is missing, naming the fix', () => {
    const sandbox = { writable: [], hide: [], network: false, limits: { openFiles: 64 } };
    assert.throws(
      () => sandboxedCommand('code', sandbox, 'node', [], undefined, { bwrap: undefined, prlimit: '/usr/bin/prlimit' }),
      (err: Error & { code?: string }) =>
        err.code === 'GW_UPSTREAM_UNAVAILABLE' && /bubblewrap \(bwrap\) is not installed.*apt-get install bubblewrap/.test(err.message),
    );
    assert.throws(
      () => sandboxedCommand('code', sandbox, 'node', [], undefined, { bwrap: '/usr/bin/bwrap', prlimit: undefined }),
      /limits need prlimit/,
    );
    const plain = sandboxedCommand('code', { ...sandbox, limits: {} }, 'node', ['a.js'], '/srv', {
      bwrap: '/usr/bin/bwrap',
      prlimit: undefined,
    });
    assert.equal(plain.command, '/usr/bin/bwrap');
    assert.deepEqual(plain.args.slice(-4), ['/srv', '--', 'node', 'a.js']);
    assert.ok(plain.args.includes('--unshare-net') && plain.args.includes('--unshare-pid'));
  });

  it(
    'confines a real child: read-only root, writable paths, no network, own PID namespace, limits',
    { skip: !HAVE_BWRAP && !process.env.CI && 'bwrap not installed (CI installs it and fails without it)' },
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'bw-sandbox-'));
      // Not under /tmp: the sandbox's /tmp is a private tmpfs, so the root's read-only view is what is tested.
      const outside = mkdtempSync('/var/tmp/bw-outside-');
      t.after(() => [dir, outside].forEach((d) => rmSync(d, { recursive: true, force: true })));
      const listener = createServer((s) => s.end()).listen(0, '127.0.0.1');
      await new Promise((r) => listener.once('listening', r));
      t.after(() => listener.close());
      const port = (listener.address() as { port: number }).port;
      const entry = { command: process.execPath, args: [FIXTURE] };
      const gw = await startGateway({
        upstreams: {
          boxed: {
            ...entry,
            sandbox: { writable: [dir], limits: { openFiles: 256, cpuSeconds: 120, memoryBytes: 8 * 1024 ** 3 } },
          },
          free: entry,
        },
      });
      const client = new Client({ name: 'sandbox-test', version: '1.0.0' });
      // The client first: an open session stream would hold the gateway's drain.
      t.after(async () => {
        await client.close();
        await gw.stop();
      });
      await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
      const probe = async (tool: string): Promise<Probe> => {
        const result = await client.callTool({
          name: tool,
          arguments: { write: [join(dir, 'in.txt'), join(outside, `${tool}.txt`)], connect: port },
        });
        return JSON.parse((result.content as { text: string }[])[0]!.text) as Probe;
      };
      const boxed = await probe('boxed__probe');
      const free = await probe('free__probe');
      t.diagnostic(`boxed: ${JSON.stringify(boxed)}`);
      assert.equal(boxed.writes[join(dir, 'in.txt')], 'ok');
      assert.equal(readFileSync(join(dir, 'in.txt'), 'utf8'), 'sandbox probe');
      assert.equal(boxed.writes[join(outside, 'boxed__probe.txt')], 'EROFS');
      assert.equal(free.writes[join(outside, 'free__probe.txt')], 'ok', 'unsandboxed twin writes anywhere');
      assert.equal(boxed.connected, false, 'no network in the sandbox');
      assert.equal(free.connected, true);
      assert.ok(boxed.pid < 10, `own PID namespace (pid ${boxed.pid})`);
      assert.ok(boxed.pids < free.pids, `sees only its own processes (${boxed.pids} vs ${free.pids})`);
      assert.ok(
        boxed.limits.some((l) => /^Max open files 256 256/.test(l)),
        boxed.limits.join('; '),
      );
      assert.ok(
        boxed.limits.some((l) => /^Max cpu time 120 120/.test(l)),
        boxed.limits.join('; '),
      );
      assert.ok(
        boxed.limits.some((l) => /^Max address space 8589934592 8589934592/.test(l)),
        boxed.limits.join('; '),
      );
      assert.ok(!free.limits.some((l) => /^Max open files 256 /.test(l)));
    },
  );
});
