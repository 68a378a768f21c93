// A replicated upstream whose first replica is down still lists its tools and serves calls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, startGateway } from '../helpers/gateway.js';
import { httpMock, mockFiles } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/upstream-harness.js';

describe('replicated upstream', () => {
  it('lists come from a ready replica and calls fail over from a dead one', async () => {
    const files = mockFiles({ tools: {} });
    const mock = await httpMock(files.flags);
    const dead = `http://127.0.0.1:${await freePort()}/mcp`;
    // startGateway waits until every upstream has a ready replica: one is enough.
    const gw = await startGateway({ upstreams: { up: { url: dead, replicas: [{ url: mock.url }] } } });
    const client = await connect(gw.url, 'legacy');
    try {
      const { tools } = await client.listTools();
      assert.ok(
        tools.some((t) => t.name === 'up__echo'),
        'tools listed although replica 0 is down',
      );
      for (let i = 0; i < 4; i++) {
        const echo = await client.callTool({ name: 'up__echo', arguments: { text: `n${i}` } });
        assert.match(JSON.stringify(echo.content), new RegExp(`n${i}`));
      }
    } finally {
      await client.close();
      await gw.stop();
      await mock.stop();
      files.cleanup();
    }
  });
});
