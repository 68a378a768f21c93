// In-process cost of authentication at the edge per request (issue 9 item 1), no sockets: the whole edge
// hook (security headers, header parsing, SHA-256 of the credential, the failure-guard checks) with an API
// key answered from the verifier's cache, and with a JWT answered from the token cache; plus the first
// (uncached) JWT verification for scale. Run: `node --import tsx bench/auth-cost.ts` (or build and run
// dist/bench/auth-cost.js).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { silentLogger, systemClock } from '../src/core/index.js';
import { MemoryKeyStore } from '../src/store/memory/memory-key-store.js';
import {
  ApiKeyVerifier,
  FailureGuard,
  hashApiKey,
  HttpAuthenticator,
  issueApiKey,
  JwtVerifier,
  TokenCache,
} from '../src/transport/auth/index.js';
import { createEdgeHook, securityHeaders } from '../src/transport/edge/index.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const store = new MemoryKeyStore();
const { key, record } = issueApiKey({ name: 'bench', roles: ['dev'], now: Date.now() });
store.add(record);
const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
const mapping = { subjectClaim: 'sub', scopeRoles: {}, claimRoles: [] };
const jwtVerifier = () =>
  new JwtVerifier({
    keys: { jwks: { keys: [jwk] } },
    issuer: 'https://idp',
    audience: RESOURCE,
    algorithms: ['ES256'],
    skewSec: 60,
    mapping,
    cache: new TokenCache(),
    clock: systemClock,
  });
const threshold = { maxFailures: 1e9, windowMs: 60_000, blockMs: 1 };
const authenticator = new HttpAuthenticator({
  anonymous: false,
  apiKeyHeader: undefined,
  apiKeys: new ApiKeyVerifier(store, { clock: systemClock }),
  jwt: jwtVerifier(),
  introspection: undefined,
  requiredScopes: ['mcp'],
  metadataUrl: undefined,
  guard: new FailureGuard({ clock: systemClock, address: threshold, credential: threshold }),
  channel: undefined,
  log: silentLogger,
});
const edge = createEdgeHook({
  headers: securityHeaders({ contentSecurityPolicy: "default-src 'none'", referrerPolicy: 'no-referrer' }),
  metadata: undefined,
  protectedPaths: new Set(['/mcp']),
  authenticator,
});
const token = await new SignJWT({ sub: 'u', scope: 'mcp' })
  .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
  .setIssuer('https://idp')
  .setAudience(RESOURCE)
  .setExpirationTime('1h')
  .sign(privateKey);

const res = { setHeader() {} } as unknown as ServerResponse;
const request = (authorization: string) =>
  ({
    headers: { authorization, 'content-type': 'application/json' },
    socket: { remoteAddress: '127.0.0.1' },
  }) as unknown as IncomingMessage;

async function measure(name: string, fn: () => unknown, calls: number): Promise<string> {
  for (let i = 0; i < Math.min(calls, 20_000); i++) await fn();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const used = process.cpuUsage(start);
  return `${name.padEnd(44)} ${(((used.user + used.system) / calls) * 1).toFixed(2)} µs/call`;
}

const keyReq = request(`Bearer ${key}`);
const jwtReq = request(`Bearer ${token}`);
const lines = [
  await measure('SHA-256 of a key (floor)', () => hashApiKey(key), 500_000),
  await measure('edge: API key (cached), headers set', () => edge(keyReq, res, '/mcp'), 500_000),
  await measure('edge: JWT (token cache hit), headers set', () => edge(jwtReq, res, '/mcp'), 500_000),
  await measure('edge: no auth path (headers only)', () => edge(keyReq, res, '/healthz'), 500_000),
  await measure('JWT uncached (key import + ES256 verify)', () => jwtVerifier().verify(token, hashApiKey(token)), 2_000),
];
for (const l of lines) process.stdout.write(l + '\n');
