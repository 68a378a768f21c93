import { z } from 'zod';
import { httpUrl, positiveMs, text } from './primitives.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An authorization-server URL: https, or http on a loopback host only (tokens never cross a network in clear). */
const asUrl = () =>
  httpUrl().refine((u) => u.startsWith('https:') || LOOPBACK.has(new URL(u).hostname), {
    error: 'expected an https:// URL (http:// is accepted for 127.0.0.1, localhost and [::1] only)',
  });

const common = {
  // The token endpoint, or the issuer whose RFC 8414 / OpenID metadata names it (one of the two).
  tokenUrl: asUrl().optional(),
  issuer: asUrl().optional(),
  clientId: text(),
  // Usually `${secret:NAME}`: registered with the scrubber at load like every resolved secret.
  clientSecret: text().optional(),
  clientAuth: z.enum(['client_secret_basic', 'client_secret_post', 'none']).default('client_secret_basic'),
  scope: text().optional(),
  // Auth0-style `audience` and the RFC 8707 `resource` indicator (the upstream's own URL, usually).
  audience: text().optional(),
  resource: httpUrl().optional(),
  // Renew this long before expiry (±10 % jitter; at most half the token's lifetime). See ADR 0023.
  refreshBeforeMs: positiveMs().default(5 * 60_000),
  // Bound on one token request.
  timeoutMs: positiveMs().default(10_000),
};

/**
 * `upstreams.<name>.auth`: how the gateway obtains its own access token for an HTTP upstream (issue 9
 * item 4). The token is sent as `Authorization: Bearer`; the caller's credential is never forwarded.
 */
export const upstreamAuthSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('oauth-client-credentials'), ...common }),
    z.strictObject({ type: z.literal('oauth-refresh-token'), ...common, refreshToken: text() }),
  ])
  .refine((a) => (a.tokenUrl === undefined) !== (a.issuer === undefined), {
    error: 'set exactly one of tokenUrl and issuer (discovery)',
    path: ['tokenUrl'],
  })
  .refine((a) => a.clientAuth === 'none' || a.clientSecret !== undefined, {
    error: 'clientSecret is required unless clientAuth is none',
    path: ['clientSecret'],
  });

/** A validated `auth` block of an upstream. */
export type UpstreamAuthConfig = z.output<typeof upstreamAuthSchema>;
