// Forwarding fidelity: progress, errors, cancellation, logging, server→client requests, list_changed, subscriptions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mockFiles, waitFor } from '../helpers/mock-upstream.js';
import { connect, fixtureStdio, startFixtureHttp, startGateway, type TestGateway } from '../helpers/gateway.js';
import { rawSession } from '../helpers/raw-http.js';

const MOCK = new URL('../fixtures/mock-upstream-entry.ts', import.meta.url).pathname;

describe('forwarding fidelity', () => {
  let gw: TestGateway;
  let fixture: Awaited<ReturnType<typeof startFixtureHttp>>;
  const mock = mockFiles({
    tools: {
      steps: { progress: { count: 100, intervalMs: 0 } },
      fail: { error: { code: -32042, message: 'custom failure: quota', data: { detail: [1, 2, 3], retry: false } } },
      hang: { hang: true },
    },
  });

  before(async () => {
    fixture = await startFixtureHttp();
    gw = await startGateway({
      upstreams: {
        mock: { command: process.execPath, args: ['--import', 'tsx', MOCK, ...mock.flags] },
        fx: { url: fixture.url, prefix: '' },
        fxs: { ...fixtureStdio(), prefix: 'stdio' },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await fixture?.stop();
    mock.cleanup();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era}: 100 progress notifications arrive in order, none dropped, before the result`, async () => {
      const client = await connect(gw.url, era);
      try {
        const seen: number[] = [];
        const result = await client.callTool({ name: 'mock__steps', arguments: {} }, { onprogress: (p) => void seen.push(p.progress) });
        assert.equal(seen.length, 100);
        assert.deepEqual(
          seen,
          [...seen].sort((a, b) => a - b),
        );
        assert.equal(new Set(seen).size, 100);
        assert.equal(result.isError, undefined);
      } finally {
        await client.close();
      }
    });
  }

  it('passes upstream error code, message and data through unchanged', async () => {
    const s = await rawSession(gw.url);
    const reply = await s.call('tools/call', { name: 'mock__fail', arguments: {} });
    assert.deepEqual(reply.error, { code: -32042, message: 'custom failure: quota', data: { detail: [1, 2, 3], retry: false } });
    await s.close();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era}: a cancel from the client reaches the upstream (${era === 'legacy' ? 'notifications/cancelled' : 'closed stream'})`, async () => {
      const client = await connect(gw.url, era);
      try {
        const before = mock.readStats().cancellations?.hang ?? 0;
        const controller = new AbortController();
        const call = client.callTool({ name: 'mock__hang', arguments: {} }, { signal: controller.signal });
        await waitFor(() => (mock.readStats().inFlight ?? 0) > 0 || undefined, 5000, 'the call to reach the upstream');
        controller.abort('user pressed stop');
        await assert.rejects(call);
        await waitFor(() => ((mock.readStats().cancellations?.hang ?? 0) > before ? true : undefined), 5000, 'upstream cancellation');
      } finally {
        await client.close();
      }
    });
  }

  for (const prefix of ['', 'stdio__']) {
    it(`relays sampling to the legacy session that caused it (${prefix ? 'stdio' : 'HTTP'} upstream)`, async () => {
      const client = await connect(gw.url, 'legacy', { sampling: {} });
      let asked = 0;
      client.setRequestHandler('sampling/createMessage', () => {
        asked++;
        return { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'test-model' };
      });
      try {
        const result = await client.callTool({ name: `${prefix}test_sampling`, arguments: { prompt: 'meaning of life?' } });
        assert.equal(asked, 1);
        assert.match(JSON.stringify(result.content), /forty-two/);
      } finally {
        await client.close();
      }
    });
  }

  it('forwards log messages at the session level set by logging/setLevel', async () => {
    const client = await connect(gw.url, 'legacy');
    const messages: unknown[] = [];
    client.setNotificationHandler('notifications/message', (n) => void messages.push(n.params));
    try {
      await client.setLoggingLevel('info');
      await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
      await waitFor(() => (messages.length >= 3 ? true : undefined), 3000, 'three log messages');
    } finally {
      await client.close();
    }
  });

  it('an upstream list_changed refreshes the aggregate and notifies clients', async () => {
    const client = await connect(gw.url, 'legacy');
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    try {
      const before = (await client.listTools()).tools.map((t) => t.name);
      await client.callTool({ name: 'stdio__test_trigger_tool_change', arguments: {} });
      await waitFor(() => (changed > 0 ? true : undefined), 5000, 'tools/list_changed');
      const afterList = await waitFor(
        async () => {
          const names = (await client.listTools()).tools.map((t) => t.name);
          return names.length !== before.length ? names : undefined;
        },
        5000,
        'the aggregate to change',
      );
      assert.notDeepEqual(afterList, before);
    } finally {
      await client.close();
    }
  });

  it('relays resource subscriptions and updates', async () => {
    const client = await connect(gw.url, 'legacy');
    const updated: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    try {
      await client.subscribeResource({ uri: 'test://watched-resource' });
      await client.callTool({ name: 'test_touch_watched_resource', arguments: {} });
      await waitFor(() => (updated.includes('test://watched-resource') ? true : undefined), 5000, 'resources/updated');
    } finally {
      await client.close();
    }
  });
});
