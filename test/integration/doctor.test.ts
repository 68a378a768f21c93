// `breakwater doctor`: starts the configured upstreams once and reports each one's state, era and tool count, with
// warnings. The one it exists for: a shared stdio upstream whose server asks its client for input (sampling,
// elicitation) is pointed at `isolation: per-session`. Exit 0 clean, 1 with warnings, 2 on config errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { runDoctor } from '../../src/cli/doctor.js';
import { alive, childPids, fixtureStdio } from '../helpers/gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-doctor-'));

function configFile(name: string, upstreams: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ upstreams }));
  return file;
}

async function doctor(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runDoctor(
    argv,
    { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) } },
    {},
  );
  return { code, stdout, stderr };
}

/** The conformance fixture children of this process (tsx may run an esbuild service child beside them). */
function fixtureChildren(): number[] {
  return childPids(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('conformance-server/stdio.ts');
    } catch {
      return false;
    }
  });
}

const fixture = { ...fixtureStdio(), era: 'legacy' };

describe('breakwater doctor', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('warns about a shared stdio upstream whose tools raise sampling/elicitation, recommending isolation: per-session (exit 1)', async (t: TestContext) => {
    const before = fixtureChildren();
    const r = await doctor(['--config', configFile('shared', { fx: fixture })]);
    t.diagnostic(r.stdout);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^fx: ready, era legacy \([0-9-]+\), server \S+ \S+, stdio, \d+ tools, isolation shared$/m);
    assert.match(
      r.stdout,
      /warning: shared stdio upstream whose server asks its client for input \(tools test_sampling, [^)]* more; it sends logs\)/,
    );
    assert.match(r.stdout, /Set `isolation: per-session`/);
    assert.match(r.stdout, /1 upstream, 1 warning$/m);
    // The children doctor started are gone again.
    const started = fixtureChildren().filter((pid) => !before.includes(pid));
    for (const pid of started) assert.equal(alive(pid), false, `child ${pid} left running`);
  });

  it('is clean for the same upstream with isolation: per-session (exit 0)', async () => {
    const r = await doctor([configFile('isolated', { fx: { ...fixture, isolation: 'per-session' } })]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^fx: ready, era legacy .*isolation per-session$/m);
    assert.doesNotMatch(r.stdout, /warning:/);
    assert.match(r.stdout, /1 upstream, 0 warnings$/m);
  });

  it('reports an upstream that does not start, within the timeout (exit 1)', async () => {
    const r = await doctor([
      '--config',
      configFile('broken', { gone: { command: process.execPath, args: ['-e', 'process.exit(3)'] } }),
      '--timeout',
      '10000',
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^gone: (down|restarting|connecting|closed), stdio, isolation shared$/m);
    assert.match(r.stdout, /warning: not ready/);
  });

  it('exit 2 on a config error, naming the problem', async () => {
    const r = await doctor(['--config', configFile('invalid', { fx: { ...fixture, isolation: 'per-call' } })]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /upstreams\.fx\.isolation/);
    assert.equal(r.stdout, '');
  });

  it('exit 2 on a file that does not exist, and on a usage error', async () => {
    assert.equal((await doctor(['--config', join(dir, 'missing.yaml')])).code, 2);
    assert.equal((await doctor(['a.yaml', 'b.yaml'])).code, 2);
  });
});
