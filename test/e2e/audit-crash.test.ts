// Audit crash safety with real processes: SIGKILL the gateway during a burst of 1,000 calls, restart it,
// then `audit verify` passes and every call the upstream received has exactly one final record.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { invoke } from '../../src/cli/invoke.js';
import { readAuditRows } from '../../src/store/sqlite/sqlite-audit-sink.js';
import { waitFor } from '../helpers/mock-upstream.js';
import { connect } from '../helpers/gateway.js';
import { startCountingUpstream } from '../helpers/counting-upstream.js';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bw-audit-crash-'));
const env = { ...process.env, BREAKWATER_MASTER_KEY: randomBytes(32).toString('base64') };
after(() => rmSync(dir, { recursive: true, force: true }));

function serve(file: string): { proc: ChildProcess; url: Promise<string>; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env });
  proc.stderr!.resume();
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = /breakwater listening on (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exit.then((code) => reject(new Error(`gateway exited (${code}) before listening`)));
  });
  return { proc, url, exit };
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env };
  return { code: await invoke(args[0]!, args.slice(1), io), out };
}

describe('audit across a gateway crash', () => {
  it('SIGKILL mid-burst, restart: verify passes and each call the upstream saw has exactly one final record', async (t) => {
    const upstream = await startCountingUpstream(5);
    const file = join(dir, 'breakwater.yaml');
    writeFileSync(
      file,
      [
        'server: { port: 0 }',
        'logging: { level: warn }',
        'storage: { dir: ./state }',
        'audit: { enabled: true, recordArguments: true, checkpoint: { everyRecords: 200 } }',
        'upstreams:',
        `  count: { url: "${upstream.url}" }`,
        '',
      ].join('\n'),
    );
    const t0 = performance.now();
    const lap = (what: string) => t.diagnostic(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    try {
      const first = serve(file);
      const client = await connect(await first.url, 'legacy');
      await waitFor(async () => ((await client.listTools()).tools.length > 0 ? true : undefined), 20_000, 'tools');
      lap('first gateway ready');
      // 1,000 calls, 32 at a time; the gateway is killed once the upstream has seen 300 of them.
      let next = 0;
      const worker = async () => {
        while (next < 1000) {
          const n = next++;
          await client.callTool({ name: 'count__hit', arguments: { n } }).catch(() => undefined);
        }
      };
      const burst = Promise.all(Array.from({ length: 32 }, worker));
      await waitFor(() => (upstream.seen.length >= 300 ? true : undefined), 90_000, '300 calls upstream');
      lap('300 calls upstream');
      first.proc.kill('SIGKILL');
      await first.exit;
      next = 1000;
      await burst;
      await client.close().catch(() => undefined);
      lap('burst ended');
      const atKill = upstream.seen.length;
      t.diagnostic(`upstream saw ${atKill} calls before the kill`);

      // Restart: reconciliation runs as the audit opens; then a clean stop seals the log.
      const second = serve(file);
      await second.url;
      second.proc.kill('SIGTERM');
      assert.equal(await second.exit, 0);
      lap('restarted and stopped');

      const verify = await cli(['audit', 'verify', '--config', file]);
      t.diagnostic(verify.out.trim());
      assert.equal(verify.code, 0, verify.out);

      const finals = new Map<number, string[]>();
      let interrupted = 0;
      for (const row of readAuditRows(join(dir, 'state', 'audit.db'))) {
        if (row.kind !== 'end' && row.kind !== 'interrupted') continue;
        const body = JSON.parse(row.body) as { args?: { n?: number }; tool: string };
        if (body.tool !== 'count__hit' || typeof body.args?.n !== 'number') continue;
        finals.set(body.args.n, [...(finals.get(body.args.n) ?? []), row.kind]);
        if (row.kind === 'interrupted') interrupted++;
      }
      t.diagnostic(`${finals.size} calls with a final record, ${interrupted} of them interrupted`);
      assert.equal(new Set(upstream.seen).size, upstream.seen.length, 'each n reached the upstream once');
      for (const n of upstream.seen) assert.equal(finals.get(n)?.length, 1, `call n=${n} reached the upstream: exactly one final record`);
      for (const [n, kinds] of finals) assert.equal(kinds.length, 1, `n=${n}: ${kinds.join(',')}`);
      assert.ok(interrupted > 0, 'calls in flight at the kill were closed as interrupted');
    } finally {
      await upstream.close();
    }
  });
});
