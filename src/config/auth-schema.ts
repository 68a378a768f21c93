import { isIP } from 'node:net';
import { z } from 'zod';
import { bool, int, positiveMs, text } from './primitives.js';

// The `auth` section (issue 9 item 1; docs/security.md; docs/adr/0020-authentication-at-the-edge.md and
// 0021-token-cache.md). Absent: no authentication, allowed only on a loopback bind (checkAnonymousBind).
// Present: every caller needs a credential unless `anonymous: true`.

const isLoopbackUrl = (u: URL) => u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';

/** An https URL; plain http only for loopback (tests, local identity providers). SSRF guidance of the MCP spec. */
const secureUrl = () =>
  z.url({ protocol: /^https?$/, error: 'expected an absolute https:// URL' }).refine(
    (s) => {
      const u = new URL(s);
      return u.protocol === 'https:' || isLoopbackUrl(u);
    },
    { error: 'expected https:// (plain http is allowed for localhost only)' },
  );

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

const thresholdSchema = (maxFailures: number, windowMs: number, blockMs: number) =>
  z
    .strictObject({
      maxFailures: int(1).default(maxFailures),
      windowMs: positiveMs().default(windowMs),
      blockMs: positiveMs().default(blockMs),
    })
    .prefault({});

const jwtSchema = z
  .strictObject({
    issuer: z.union([text(), z.array(text()).min(1)]),
    // Signing keys: a JWKS URL (cached; refetched on an unknown kid at most once per jwksCooldownMs) or a static JWKS.
    jwksUri: secureUrl().optional(),
    jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    jwksCooldownMs: positiveMs().default(30_000),
    jwksCacheMaxAgeMs: positiveMs().default(600_000),
    // Audience the token must name; default: auth.resource (RFC 8707: the gateway's own URL).
    audience: text().optional(),
    algorithms: z.array(z.enum(ALGORITHMS)).min(1).default(['RS256', 'ES256', 'EdDSA']),
    clockSkewSec: int(0, 300).default(60),
  })
  .refine((j) => (j.jwksUri === undefined) !== (j.jwks === undefined), { error: 'expected exactly one of jwksUri or jwks' });

const introspectionSchema = z.strictObject({
  url: secureUrl(),
  clientId: text(),
  clientSecret: text(),
  requireAudience: bool().default(true),
  cacheMaxMs: positiveMs().default(60_000),
  timeoutMs: positiveMs().default(5_000),
});

export const authSchema = z
  .strictObject({
    // Callers without a credential proceed as principal "anonymous" (credentials, when sent, are still checked).
    anonymous: bool().default(false),
    // The gateway's canonical URL as a resource server (token audience, Protected Resource Metadata).
    resource: secureUrl().optional(),
    // Listed in the Protected Resource Metadata document; tokens come from these.
    authorizationServers: z.array(secureUrl()).default([]),
    // Scopes every OAuth token must carry (403 insufficient_scope otherwise); also advertised.
    requiredScopes: z.array(text()).default([]),
    apiKeys: z
      .strictObject({
        enabled: bool().default(true),
        // A header carrying the key besides `Authorization: Bearer`, e.g. x-api-key.
        header: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/, { error: 'expected an HTTP header name' })
          .transform((h) => h.toLowerCase())
          .optional(),
      })
      .prefault({}),
    jwt: jwtSchema.optional(),
    introspection: introspectionSchema.optional(),
    // How verified claims become the principal (JWT and introspection).
    claims: z
      .strictObject({
        subject: text().default('sub'),
        roles: text().optional(),
        scopeRoles: z.record(z.string(), z.array(text())).default({}),
        claimRoles: z.array(z.strictObject({ claim: text(), value: text(), roles: z.array(text()).min(1) })).default([]),
      })
      .prefault({}),
    tokenCache: z.strictObject({ maxEntries: int(1).default(10_000) }).prefault({}),
    // Repeated failures block the address, or the credential, for blockMs.
    failures: z
      .strictObject({
        address: thresholdSchema(20, 60_000, 300_000),
        credential: thresholdSchema(5, 60_000, 900_000),
      })
      .prefault({}),
    // The principal of `breakwater stdio` (the process that launched it is the caller).
    stdio: z
      .strictObject({
        id: text().default('stdio'),
        roles: z.array(text()).default([]),
        claims: z.record(z.string(), z.unknown()).default({}),
      })
      .optional(),
  })
  .superRefine((a, ctx) => {
    if ((a.jwt !== undefined || a.introspection !== undefined) && a.resource === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['resource'],
        message: 'expected the gateway URL (e.g. https://mcp.example.com/mcp): tokens must be issued for it (audience)',
      });
    if (!a.anonymous && !a.apiKeys.enabled && a.jwt === undefined && a.introspection === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'no way to authenticate: enable apiKeys, add jwt or introspection, or set anonymous: true',
      });
  });

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Anonymous access must be a decision: without an `auth` section only a loopback bind is accepted.
 * Reads defensively (it runs even when other fields failed).
 */
export function checkAnonymousBind(config: { server?: { host?: unknown }; auth?: unknown }, ctx: z.RefinementCtx): void {
  if (typeof config !== 'object' || config === null || config.auth !== undefined) return;
  const host = typeof config.server?.host === 'string' ? config.server.host : '127.0.0.1';
  if (!isLoopbackHost(host))
    ctx.addIssue({
      code: 'custom',
      path: ['server', 'host'],
      message: `${host} is reachable from other machines and there is no auth section: add auth (API keys, jwt) or "auth: { anonymous: true }" to accept anyone`,
    });
}

export const tlsSchema = z.strictObject({
  certFile: text(),
  keyFile: text(),
  // How often the files are checked for a renewed certificate.
  reloadCheckMs: positiveMs().default(10_000),
  hstsMaxAgeSec: int(0).default(31_536_000),
});

export const edgeSchema = z.strictObject({
  // Security headers on every response.
  contentSecurityPolicy: text().default("default-src 'none'; frame-ancestors 'none'"),
  referrerPolicy: text().default('no-referrer'),
  // Addresses or CIDR ranges; allow non-empty: only those connect; deny wins.
  allow: z.array(z.string().refine(isAddressOrCidr, { error: 'expected an IP address or CIDR range' })).default([]),
  deny: z.array(z.string().refine(isAddressOrCidr, { error: 'expected an IP address or CIDR range' })).default([]),
});

function isAddressOrCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
