// Issue 7.5: an upstream log message tied to no call reaches every session that asked for logs at its level
// (legacy: logging/setLevel, then its GET stream), and no session that did not ask, over stdio and HTTP upstreams.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { connect, fixtureStdio, startFixtureHttp, startGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/mock-upstream.js';

function collect(client: Client): string[] {
  const lines: string[] = [];
  client.setNotificationHandler('notifications/message', (n) => void lines.push(String(n.params.data)));
  return lines;
}

describe('upstream logs tied to no call', () => {
  let gw: TestGateway;
  let fixture: Awaited<ReturnType<typeof startFixtureHttp>>;
  let asked: Client;
  let quiet: Client;
  let warnOnly: Client;
  let askedLines: string[];
  let quietLines: string[];
  let warnLines: string[];

  before(async () => {
    fixture = await startFixtureHttp();
    gw = await startGateway({
      upstreams: {
        fxs: { ...fixtureStdio(), era: 'legacy', prefix: 'stdio' },
        fxh: { url: fixture.url, era: 'legacy', prefix: 'http' },
      },
    });
    asked = await connect(gw.url, 'legacy');
    quiet = await connect(gw.url, 'legacy');
    warnOnly = await connect(gw.url, 'legacy');
    askedLines = collect(asked);
    quietLines = collect(quiet);
    warnLines = collect(warnOnly);
    await asked.setLoggingLevel('info');
    await warnOnly.setLoggingLevel('warning');
  });
  after(async () => {
    for (const c of [asked, quiet, warnOnly]) await c?.close();
    await gw?.stop();
    await fixture?.stop();
  });

  for (const upstream of ['stdio', 'http'] as const) {
    it(`${upstream} upstream: 3/3 reach the session that asked at info, 0 the others`, async () => {
      // The session that did not ask raises them: its call has ended when they come, so they are nobody's call's.
      await quiet.callTool({ name: `${upstream}__test_deferred_logs`, arguments: { tag: upstream, count: 3, delayMs: 50 } });
      const mine = () => askedLines.filter((l) => l.startsWith(`${upstream} `));
      await waitFor(() => (mine().length >= 3 ? true : undefined), 10_000, `3 ${upstream} log lines`);
      await quiet.listTools();
      await warnOnly.listTools();
      assert.deepEqual(
        mine(),
        [0, 1, 2].map((i) => `${upstream} ${i}`),
      );
      assert.deepEqual(quietLines, [], 'no logging/setLevel: no upstream logs');
      assert.deepEqual(warnLines, [], 'info is below the warning level it asked for');
    });
  }
});
