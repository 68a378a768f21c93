// In-process cost per upstream request of the gateway's own OAuth token (issue 9 item 4, ADR 0022): the
// token source answering from its held token (the steady state: one clock read, a comparison, a resolved
// promise awaited by the channel), against a local token endpoint for the one initial grant. No upstream
// sockets. Run: `node --import tsx bench/upstream-token-cost.ts`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, systemClock, systemRandom } from '../src/core/index.js';
import { TokenSource } from '../src/upstream/oauth/token-source.js';

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ access_token: 'at-bench-0123456789', token_type: 'Bearer', expires_in: 3600 }));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address() as AddressInfo;
const source = new TokenSource(
  {
    type: 'oauth-client-credentials',
    tokenUrl: `http://127.0.0.1:${port}/token`,
    clientId: 'bench',
    clientSecret: 'bench-secret',
    clientAuth: 'client_secret_basic',
    refreshBeforeMs: 300_000,
    timeoutMs: 5_000,
  },
  { upstream: 'bench', clock: systemClock, random: systemRandom, log: silentLogger },
);
await source.token();
const N = 1_000_000;
for (let round = 0; round < 3; round++) {
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < N; i++) await source.token();
  const cpu = process.cpuUsage(t0);
  const wall = performance.now() - w0;
  console.log(
    `held token: ${(((cpu.user + cpu.system) / N) * 1000).toFixed(1)} ns CPU per request (${((wall / N) * 1e6).toFixed(1)} ns wall), round ${round + 1}`,
  );
}
server.close();
