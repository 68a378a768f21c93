// Alerts in a running gateway: the mock upstream's errors open its breaker and GET /alerts on the admin
// listener shows breakerOpen firing; every metric deploy/prometheus/alerts.yml references is in a real scrape.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { connect, startGateway, type TestGateway } from '../helpers/gateway.js';
import { mockFiles, nodeArgs } from '../helpers/mock-upstream.js';
import { parsePromText } from '../helpers/prom-text.js';

const TOKEN = 'alerts-test-token-0123456789';
const RULES = fileURLToPath(new URL('../../deploy/prometheus/alerts.yml', import.meta.url));

void describe('alerts in a running gateway', () => {
  let gw: TestGateway;
  let admin: string;
  const mock = mockFiles({ tools: { broken: { error: { code: -32603, message: 'boom' } } } });
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    gw = await startGateway({
      admin: { enabled: true, port: 0, token: TOKEN },
      alerts: { enabled: true, evaluateEveryMs: 50, sinks: [] },
      upstreams: {
        mock: { command: process.execPath, args: nodeArgs(mock.flags), policies: { breaker: { consecutiveFailures: 2, openMs: 600_000 } } },
      },
    });
    admin = gw.gateway.operations.admin!.url;
  });
  after(async () => {
    await gw?.stop();
    mock.cleanup();
  });

  void it('GET /alerts needs the token and shows breakerOpen firing once the breaker opens', async (t) => {
    assert.equal((await fetch(`${admin}/alerts`)).status, 401);
    const client = await connect(gw.url, 'legacy');
    try {
      for (let i = 0; i < 2; i++) await assert.rejects(client.callTool({ name: 'mock__broken', arguments: {} }), /boom/);
    } finally {
      await client.close();
    }
    const started = Date.now();
    let body: { active: { id: string; state: string }[]; history: unknown[] } = { active: [], history: [] };
    while (Date.now() - started < 10_000) {
      body = (await (await fetch(`${admin}/alerts`, { headers: auth })).json()) as typeof body;
      if (body.active.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    t.diagnostic(`breakerOpen visible after ${Date.now() - started} ms`);
    assert.deepEqual(
      body.active.map((a) => [a.id, a.state]),
      [['breakerOpen:mock', 'firing']],
    );
    assert.equal(body.history.length, 1);
  });

  void it('the Prometheus rules pass promtool check rules (when promtool is installed)', (t) => {
    let out: string;
    try {
      out = execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { code?: string; stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') return t.diagnostic('promtool not installed: rule syntax not checked');
      assert.fail(`promtool check rules failed: ${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    assert.match(out, /SUCCESS: \d+ rules found/);
  });

  void it('every metric the Prometheus rules reference appears in a scrape', async () => {
    const text = await (await fetch(`${admin}/metrics`, { headers: auth })).text();
    // A metric family counts when the scrape declares it (`# TYPE`): a labelled counter with no event yet
    // has no sample, but it is served and its series appear with the first event.
    const names = new Set([
      ...parsePromText(text).map((s) => s.name.replace(/_(bucket|sum|count)$/, '')),
      ...[...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string),
    ]);
    const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const rules = doc.groups.flatMap((g) => g.rules);
    assert.ok(rules.length >= 8);
    for (const rule of rules)
      for (const [m] of rule.expr.matchAll(/breakwater_[a-z_]+/g)) {
        const base = m.replace(/_(bucket|sum|count)$/, '');
        assert.ok(names.has(base) || names.has(m), `${rule.alert}: ${m} is not in the scrape`);
      }
  });
});
