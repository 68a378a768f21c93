import type { IncomingMessage, Server } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import type { BreakwaterConfig } from '../config/index.js';
import { storagePath } from '../config/index.js';
import type { Clock, Logger } from '../core/index.js';
import type { Channels } from '../observability/index.js';
import type { Principal } from '../pipeline/index.js';
import { ANONYMOUS } from '../session/index.js';
import type { KeyStore } from '../store/key-store.js';
import { SqliteKeyStore } from '../store/sqlite/sqlite-key-store.js';
import {
  ApiKeyVerifier,
  FailureGuard,
  HttpAuthenticator,
  IntrospectionVerifier,
  JwtVerifier,
  principalOf,
  resourceMetadata,
  TokenCache,
  type ClaimsMapping,
  type ResourceMetadata,
} from '../transport/auth/index.js';
import { createEdgeHook, createIpFilter, readTls, securityHeaders, watchTls, type EdgeHook } from '../transport/edge/index.js';
import { legacySsePaths } from '../transport/http/index.js';

/** Everything the listener needs from the `auth`, `server.tls` and `server.edge` config. */
export interface AuthSetup {
  readonly edge: EdgeHook;
  /** The principal of a request (set by the edge); undefined: no auth configured, everyone is anonymous. */
  readonly principalOf: ((req: IncomingMessage) => Principal) | undefined;
  readonly acceptAddress: ((address: string | undefined) => boolean) | undefined;
  readonly tls: { cert: Buffer; key: Buffer } | undefined;
  readonly keyStore: KeyStore | undefined;
  readonly guard: FailureGuard | undefined;
  /** Reloads the certificate on renewal (after the server exists). */
  watch(server: Server): void;
  close(): void;
}

export interface AuthWiringOptions {
  readonly clock: Clock;
  readonly log: Logger;
  readonly channels: Channels;
  readonly configFile: string;
  /** Injected key store (tests); default SQLite `keys.db` in storage.dir. */
  readonly keyStore?: KeyStore | undefined;
}

/** How often the key store is checked for changes by the CLI (revocations, unblocks). */
const SYNC_MS = 1_000;
/** How often batched last-used times are written. */
const FLUSH_MS = 60_000;

/** The stdio principal: `auth.stdio` as a `config` principal, else anonymous. */
export function stdioPrincipal(config: BreakwaterConfig): Principal {
  const s = config.auth?.stdio;
  if (s === undefined) return ANONYMOUS;
  return Object.freeze({
    id: s.id,
    kind: 'config',
    roles: Object.freeze([...s.roles]),
    claims: Object.freeze({ ...s.claims }),
    scopes: Object.freeze([]),
  });
}

/**
 * Builds authentication and edge protection from config (ADR 0020): verifiers, the failure guard, the
 * resource metadata, security headers, the IP filter and TLS; and the timer that syncs the key store.
 */
export function wireAuth(config: BreakwaterConfig, options: AuthWiringOptions): AuthSetup {
  const { clock, log, channels } = options;
  const auth = config.auth;
  const tlsConfig = config.server.tls;
  const tls = tlsConfig && readTls(tlsConfig);
  const edgeConfig = config.server.edge;
  const headers = securityHeaders({
    contentSecurityPolicy: edgeConfig.contentSecurityPolicy,
    referrerPolicy: edgeConfig.referrerPolicy,
    hstsMaxAgeSec: tlsConfig?.hstsMaxAgeSec,
  });
  const { ssePath, messagesPath } = legacySsePaths(config.server.path);
  const protectedPaths = new Set([config.server.path, ...(config.server.legacySse.enabled ? [ssePath, messagesPath] : [])]);
  const timers: ReturnType<typeof setInterval>[] = [];
  let stopTls: (() => void) | undefined;
  let keyStore: KeyStore | undefined;
  let ownedStore = false;
  let guard: FailureGuard | undefined;
  let authenticator: HttpAuthenticator | undefined;
  let metadata: ResourceMetadata | undefined;
  let finalFlush: (() => void) | undefined;
  if (auth !== undefined) {
    const mapping: ClaimsMapping = {
      subjectClaim: auth.claims.subject,
      rolesClaim: auth.claims.roles,
      scopeRoles: auth.claims.scopeRoles,
      claimRoles: auth.claims.claimRoles,
    };
    const cache = new TokenCache(auth.tokenCache.maxEntries);
    if (auth.apiKeys.enabled) {
      keyStore = options.keyStore;
      if (keyStore === undefined) {
        keyStore = new SqliteKeyStore(storagePath(config, options.configFile, 'keys.db'));
        ownedStore = true;
      }
    }
    const store = keyStore;
    guard = new FailureGuard({
      clock,
      address: auth.failures.address,
      credential: auth.failures.credential,
      onBlock: (block) => {
        store?.block(block);
        log.warn(
          { subject: block.subject, until: new Date(block.until).toISOString(), reason: block.reason },
          'authentication: blocked after repeated failures',
        );
        if (channels.authentication.active)
          channels.authentication.publish({
            outcome: 'blocked',
            method: 'none',
            principal: undefined,
            remoteAddress: block.subject.startsWith('address:') ? block.subject.slice(8) : undefined,
            reason: block.reason,
            block: { subject: block.subject, until: block.until },
          });
      },
    });
    const apiKeys = store && new ApiKeyVerifier(store, { clock });
    const resource = auth.resource;
    const jwt =
      auth.jwt &&
      new JwtVerifier({
        keys: auth.jwt.jwksUri
          ? { jwksUri: auth.jwt.jwksUri, cooldownMs: auth.jwt.jwksCooldownMs, cacheMaxAgeMs: auth.jwt.jwksCacheMaxAgeMs }
          : { jwks: auth.jwt.jwks as never },
        issuer: auth.jwt.issuer,
        audience: auth.jwt.audience ?? resource!,
        algorithms: auth.jwt.algorithms,
        skewSec: auth.jwt.clockSkewSec,
        mapping,
        cache,
        clock,
      });
    const introspection =
      auth.introspection && new IntrospectionVerifier({ ...auth.introspection, audience: resource!, mapping, cache, clock });
    if (resource !== undefined)
      metadata = resourceMetadata({
        resource,
        authorizationServers: auth.authorizationServers,
        scopesSupported: auth.requiredScopes,
        resourceName: config.server.name,
      });
    authenticator = new HttpAuthenticator({
      anonymous: auth.anonymous,
      apiKeyHeader: auth.apiKeys.enabled ? auth.apiKeys.header : undefined,
      apiKeys,
      jwt,
      introspection,
      requiredScopes: auth.requiredScopes,
      metadataUrl: metadata?.url,
      guard,
      channel: channels.authentication,
      log,
    });
    if (store !== undefined && apiKeys !== undefined) {
      const g = guard;
      g.replaceBlocks(store.blocks(clock.wallNow()));
      let version = store.version();
      const sync = setInterval(() => {
        try {
          apiKeys.sync();
          const v = store.version();
          if (v !== version) {
            version = v;
            g.replaceBlocks(store.blocks(clock.wallNow()));
          }
        } catch (err) {
          log.warn({ err: String(err) }, 'key store sync failed');
        }
      }, SYNC_MS);
      const flush = setInterval(() => {
        try {
          apiKeys.flush();
        } catch (err) {
          log.warn({ err: String(err) }, 'key last-used write failed');
        }
      }, FLUSH_MS);
      sync.unref();
      flush.unref();
      finalFlush = () => apiKeys.flush();
      timers.push(sync, flush);
    }
  }
  return {
    edge: createEdgeHook({ headers, metadata, protectedPaths, authenticator }),
    principalOf: authenticator === undefined ? undefined : principalOf,
    acceptAddress: createIpFilter(edgeConfig),
    tls,
    keyStore,
    guard,
    watch(server) {
      if (tlsConfig === undefined) return;
      stopTls = watchTls(
        tlsConfig,
        tlsConfig.reloadCheckMs,
        (pair) => {
          (server as unknown as TlsServer).setSecureContext(pair);
          log.info({ certFile: tlsConfig.certFile }, 'TLS certificate reloaded');
        },
        (err) => log.warn({ err: err.message }, 'TLS certificate reload failed; the previous one stays in use'),
      );
    },
    close() {
      for (const t of timers) clearInterval(t);
      stopTls?.();
      try {
        finalFlush?.();
      } catch (err) {
        log.warn({ err: String(err) }, 'key last-used write failed');
      } finally {
        if (ownedStore) keyStore?.close();
      }
    },
  };
}
