import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../src/cli/index.js';
import { parsePrincipal } from '../../src/cli/authz.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-authz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'breakwater.yaml');
writeFileSync(
  file,
  `upstreams:
  db: { command: node, args: [db.js] }
authorization:
  default: deny
  rules:
    - { id: admins, action: allow, roles: [admin] }
    - { id: small-queries, action: allow, roles: [analyst], tools: ["db__query"], when: "args.limit <= 1000" }
`,
);

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['authz', ...argv], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

test('authz explain: the deciding rule and why each earlier rule was skipped; exit 0 allow, 3 deny', async () => {
  const allowed = await run(
    'explain',
    '--config',
    file,
    '--principal',
    'ann,roles=analyst',
    '--tool',
    'db__query',
    '--args',
    '{"limit":10}',
  );
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, /admins\s+allow skipped: principal does not match/);
  assert.match(allowed.stdout, /small-queries allow decides: target and principal match, when `args.limit <= 1000` is true/);
  assert.match(allowed.stdout, /target +tools\/call db__query on upstream db/);
  assert.match(allowed.stdout, /decision: allow \(rule small-queries\)/);
  const denied = await run(
    'explain',
    '--config',
    file,
    '--principal',
    'ann,roles=analyst',
    '--tool',
    'db__query',
    '--args',
    '{"limit":5000}',
  );
  assert.equal(denied.code, 3);
  assert.match(denied.stdout, /small-queries allow skipped: when `args.limit <= 1000` is false/);
  assert.match(denied.stdout, /no rule matched: the default action \(deny\) applies/);
  assert.match(denied.stdout, /decision: deny \(rule default\)/);
});

test('authz explain: usage errors name the fix', async () => {
  assert.equal((await run('explain', '--config', file, '--tool', 'db__query')).code, 2);
  const bad = await run('explain', '--config', file, '--principal', 'ann,colour=red', '--tool', 'x');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown key "colour"/);
  assert.equal((await run('explain', '--config', file, '--principal', 'ann', '--tool', 'x', '--args', '{')).code, 2);
});

test('parsePrincipal: roles, scopes, kind and claims', () => {
  assert.deepEqual(parsePrincipal('u1,roles=a|b,scopes=s1+s2,kind=jwt,claims.tenant=acme,claims.level=3'), {
    id: 'u1',
    kind: 'jwt',
    roles: ['a', 'b'],
    scopes: ['s1', 's2'],
    claims: { tenant: 'acme', level: 3 },
  });
});
