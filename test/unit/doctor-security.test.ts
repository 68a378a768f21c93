// `breakwater doctor` security findings (issue 9 item 8, authentication part): each finding with its
// severity and fix, and a high one makes doctor exit non-zero.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDoctor } from '../../src/cli/doctor.js';
import { securityFindings } from '../../src/cli/doctor-security.js';
import { parseConfig } from '../../src/config/index.js';
import { SqliteKeyStore } from '../../src/store/sqlite/sqlite-key-store.js';
import { issueApiKey } from '../../src/transport/auth/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-doctor-sec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void describe('doctor security findings', () => {
  void it('a loopback gateway without auth has none', () => {
    assert.deepEqual(securityFindings(parseConfig({}, join(dir, 'a.yaml')).config, join(dir, 'a.yaml')), []);
  });

  void it('anonymous on a public bind, no TLS, no rate limit: two high and one medium, each with a fix', () => {
    const file = join(dir, 'b.yaml');
    const findings = securityFindings(parseConfig({ server: { host: '0.0.0.0' }, auth: { anonymous: true } }, file).config, file);
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['high', 'high', 'medium'],
    );
    assert.match(findings[0]!.message, /anonymous access on 0\.0\.0\.0/);
    assert.match(findings[1]!.message, /TLS is off/);
    assert.match(findings[2]!.fix, /rateLimits/);
    for (const f of findings) assert.ok(f.fix.length > 0);
  });

  void it('key files wider than 0600 and keys that never expire', () => {
    const file = join(dir, 'c.yaml');
    const config = parseConfig({ storage: { dir: join(dir, 'store') }, auth: {} }, file).config;
    const keysDb = join(dir, 'store', 'keys.db');
    const store = new SqliteKeyStore(keysDb);
    store.add(issueApiKey({ name: 'forever', roles: [], now: Date.now() }).record);
    store.close();
    chmodSync(keysDb, 0o644);
    const findings = securityFindings(config, file);
    assert.deepEqual(
      findings.map((f) => [f.severity, f.fix.split(' ')[0]]),
      [
        ['high', 'chmod'],
        ['low', 'rotate'],
      ],
    );
    assert.match(findings[0]!.message, /mode 0644/);
  });

  void it('doctor exits non-zero on a high finding and prints severity and fix', async () => {
    const file = join(dir, 'd.yaml');
    writeFileSync(file, 'server:\n  host: 0.0.0.0\nauth:\n  anonymous: true\n');
    let stdout = '';
    const code = await runDoctor([file], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } }, {});
    assert.equal(code, 1);
    assert.match(stdout, /security \[high\]: anonymous access/);
    assert.match(stdout, /fix: set auth\.anonymous: false/);
    assert.match(stdout, /2 high/);
  });
});
