// Alert sinks post to a receiver on 127.0.0.1: generic webhook, Slack-compatible and PagerDuty Events v2
// payload shapes, retry after a 503, no retry after a 400, one delivery per firing and per resolution.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { alertsSchema } from '../../src/config/alerts-schema.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createAlertEngine, createSinks, type Alert } from '../../src/observability/alerts/index.js';

interface Received {
  path: string;
  body: Record<string, unknown>;
}

const received: Received[] = [];
const failFirst = new Map<string, number[]>(); // path → statuses to answer before 200
let waiters: Array<() => void> = [];
const server = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url ?? '';
    const status = failFirst.get(path)?.shift() ?? 200;
    if (status === 200) received.push({ path, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
    res.writeHead(status).end();
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  });
});
let base = '';

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting for deliveries');
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 200).unref();
    });
  }
}

before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const alert = (state: Alert['state']): Alert => ({
  id: 'breakerOpen:fs',
  rule: 'breakerOpen',
  subject: 'fs',
  severity: 'critical',
  state,
  value: 1,
  threshold: 1,
  summary: 'breakerOpen above 1 on fs (value 1)',
  at: 1_700_000_000_000,
});

void describe('alert sinks over HTTP', () => {
  void it('each sink posts its payload shape once per firing and once per resolution', async (t) => {
    const config = alertsSchema.parse({
      sinks: [
        { type: 'webhook', url: `${base}/hook`, headers: { 'x-token': 'abc' }, retry: { backoffMs: 10 } },
        { type: 'slack', url: `${base}/slack`, retry: { backoffMs: 10 } },
        { type: 'pagerduty', url: `${base}/pd`, routingKey: 'R0UTING', retry: { backoffMs: 10 } },
      ],
    });
    failFirst.set('/slack', [503, 503]); // retried, then delivered
    const started = Date.now();
    const sinks = createSinks(config, systemClock, silentLogger);
    for (const s of sinks) {
      s(alert('firing'));
      s(alert('firing')); // de-duplicated
    }
    await until(() => received.length >= 3);
    for (const s of sinks) {
      s(alert('resolved'));
      s(alert('resolved'));
    }
    await until(() => received.length >= 6);
    await new Promise((r) => setTimeout(r, 100));
    t.diagnostic(`6 deliveries (2 retried) in ${Date.now() - started} ms`);
    assert.equal(received.length, 6, 'one delivery per sink per change');

    const hook = received.filter((r) => r.path === '/hook').map((r) => r.body);
    assert.deepEqual(
      hook.map((b) => [b.version, b.source, (b.alert as Alert).id, (b.alert as Alert).state]),
      [
        [1, 'breakwater', 'breakerOpen:fs', 'firing'],
        [1, 'breakwater', 'breakerOpen:fs', 'resolved'],
      ],
    );

    const slack = received.filter((r) => r.path === '/slack').map((r) => r.body);
    assert.equal(slack.length, 2);
    assert.match(String(slack[0]?.text), /^\[FIRING:critical\] breakerOpen/);
    assert.match(String(slack[1]?.text), /^\[RESOLVED\]/);
    const attachments = slack[0]?.attachments as { color: string; fields: { title: string }[] }[];
    assert.equal(attachments[0]?.color, 'danger');
    assert.deepEqual(
      attachments[0]?.fields.map((f) => f.title),
      ['rule', 'subject', 'value', 'threshold'],
    );

    const pd = received.filter((r) => r.path === '/pd').map((r) => r.body);
    assert.deepEqual(
      pd.map((b) => [b.routing_key, b.event_action, b.dedup_key]),
      [
        ['R0UTING', 'trigger', 'breakwater:breakerOpen:fs'],
        ['R0UTING', 'resolve', 'breakwater:breakerOpen:fs'],
      ],
    );
    const payload = pd[0]?.payload as Record<string, unknown>;
    assert.deepEqual(
      { summary: payload.summary, source: payload.source, severity: payload.severity, component: payload.component },
      { summary: 'breakerOpen above 1 on fs (value 1)', source: 'breakwater', severity: 'critical', component: 'fs' },
    );
    assert.equal(payload.timestamp, '2023-11-14T22:13:20.000Z');
    assert.equal(pd[1]?.payload, undefined, 'a resolve event carries no payload');
  });

  void it('gives up after the bounded attempts, and does not retry a 400', async () => {
    const failures: string[] = [];
    const log = { ...silentLogger, error: (o: unknown) => failures.push(JSON.stringify(o)) } as typeof silentLogger;
    const config = alertsSchema.parse({
      sinks: [
        { type: 'webhook', url: `${base}/down`, retry: { attempts: 3, backoffMs: 10 } },
        { type: 'webhook', url: `${base}/bad`, retry: { attempts: 3, backoffMs: 10 } },
      ],
    });
    failFirst.set('/down', [503, 503, 503, 503]);
    failFirst.set('/bad', [400, 400]);
    for (const s of createSinks(config, systemClock, log)) s(alert('firing'));
    await until(() => failures.length >= 2);
    assert.deepEqual(failFirst.get('/down'), [503], 'three attempts made, no fourth');
    assert.deepEqual(failFirst.get('/bad'), [400], 'one attempt only');
    assert.ok(
      failures.every((f) => !f.includes(base)),
      'the URL is not logged',
    );
    assert.match(failures.join('\n'), /HTTP 503/);
  });

  void it('the engine drives a sink end to end', async () => {
    const before = received.length;
    const channels = (await import('../../src/observability/channels.js')).createChannels();
    const config = alertsSchema.parse({ sinks: [{ type: 'webhook', url: `${base}/engine` }] });
    const engine = createAlertEngine({ config, clock: systemClock, channels, sinks: createSinks(config, systemClock, silentLogger) });
    channels.breaker.publish({ upstream: 'db', replica: 0, from: 'closed', to: 'open' });
    engine.evaluate();
    engine.evaluate();
    await until(() => received.length > before);
    engine.stop();
    const last = received.filter((r) => r.path === '/engine');
    assert.equal(last.length, 1);
    assert.equal((last[0]?.body.alert as Alert).id, 'breakerOpen:db');
  });
});
