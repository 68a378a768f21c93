import type { AuthorizationServer } from 'oauth4webapi';
import type { Clock, Random } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { UpstreamLogger } from '../spec.js';
import type { BearerSource, UpstreamAuthSpec } from './auth-spec.js';
import { authorizationServer, grantFailure, requestToken } from './grant.js';

/** What a token source needs besides its config. */
export interface TokenSourceDeps {
  /** The upstream's name (errors and logs name it). */
  readonly upstream: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: UpstreamLogger;
}

interface Held {
  readonly token: string;
  /** Renew from here on (jittered); the held token is still sent meanwhile. */
  readonly refreshAt: number;
  /** Never send it from here on. */
  readonly expiresAt: number;
}

const JITTER = 0.1;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

/** GW_UPSTREAM_AUTH naming the upstream (never a token or secret). */
export function upstreamAuthError(upstream: string, reason: string, extra: Record<string, unknown> = {}): GatewayError {
  return new GatewayError('GW_UPSTREAM_AUTH', `Upstream ${upstream}: ${reason}`, { data: { upstream, maybeExecuted: false, ...extra } });
}

/**
 * The gateway's own access token for one upstream, in memory only (docs/adr/0022-upstream-token-lifecycle.md):
 * renewed on demand `refreshBeforeMs` (±10 %) before expiry while the held token keeps being sent, one token
 * request in flight at a time, a failure held for a backoff so the token endpoint is not hammered.
 */
export class TokenSource implements BearerSource {
  readonly #auth: UpstreamAuthSpec;
  readonly #d: TokenSourceDeps;
  #held: Held | undefined;
  #flight: Promise<string> | undefined;
  #server: AuthorizationServer | undefined;
  #refreshToken: string | undefined;
  #failure: { error: GatewayError; until: number } | undefined;
  #backoffMs = FIRST_BACKOFF_MS;

  constructor(auth: UpstreamAuthSpec, deps: TokenSourceDeps) {
    this.#auth = auth;
    this.#d = deps;
    this.#refreshToken = auth.refreshToken;
  }

  token(): Promise<string> {
    const held = this.#held;
    if (held !== undefined) {
      const now = this.#d.clock.now();
      if (now < held.refreshAt) return Promise.resolve(held.token);
      if (now < held.expiresAt) {
        // Due but still valid: renew in the background and send this one (a failure is held and logged).
        this.#renew().catch(() => {});
        return Promise.resolve(held.token);
      }
      this.#held = undefined;
    }
    return this.#renew();
  }

  /** The renewal in flight, if any (tests and drains wait for it). */
  get renewing(): Promise<string> | undefined {
    return this.#flight;
  }

  rejected(stale: string): Promise<string> {
    const held = this.#held;
    if (held !== undefined && held.token !== stale) return Promise.resolve(held.token);
    this.#held = undefined;
    return this.#renew();
  }

  #renew(): Promise<string> {
    if (this.#flight !== undefined) return this.#flight;
    const failure = this.#failure;
    if (failure !== undefined && this.#d.clock.now() < failure.until) return Promise.reject(failure.error);
    const flight = this.#fetch();
    this.#flight = flight;
    const clear = () => {
      if (this.#flight === flight) this.#flight = undefined;
    };
    flight.then(clear, clear);
    return flight;
  }

  async #fetch(): Promise<string> {
    const { clock, upstream, log } = this.#d;
    const started = clock.now();
    const signal = AbortSignal.timeout(this.#auth.timeoutMs);
    try {
      this.#server ??= await authorizationServer(this.#auth, signal);
      const granted = await requestToken(this.#server, this.#auth, this.#refreshToken, signal);
      if (granted.refreshToken !== undefined) this.#refreshToken = granted.refreshToken;
      this.#held = this.#hold(granted.accessToken, granted.expiresInMs, started);
      this.#failure = undefined;
      this.#backoffMs = FIRST_BACKOFF_MS;
      log.debug({ upstream, expiresInMs: granted.expiresInMs }, 'upstream access token obtained');
      return granted.accessToken;
    } catch (err) {
      const { reason, oauthError } = grantFailure(err);
      const what = this.#auth.type === 'oauth-refresh-token' ? 'refreshing the access token failed' : 'obtaining an access token failed';
      const error = upstreamAuthError(upstream, `${what}: ${reason}`, oauthError === undefined ? {} : { oauthError });
      this.#failure = { error, until: clock.now() + this.#backoffMs };
      log.warn({ upstream, reason, retryInMs: this.#backoffMs }, 'upstream token request failed');
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
      throw error;
    }
  }

  /** When to renew and when to stop sending a token granted at `started` (its lifetime counted from the request). */
  #hold(token: string, lifetimeMs: number | undefined, started: number): Held {
    if (lifetimeMs === undefined) return { token, refreshAt: Infinity, expiresAt: Infinity };
    const lead = Math.min(this.#auth.refreshBeforeMs, lifetimeMs / 2) * (1 + (this.#d.random.next() * 2 - 1) * JITTER);
    // A small margin so a token is not sent in its last instant (clock skew, time on the wire).
    const margin = Math.min(5_000, lifetimeMs / 10);
    return { token, refreshAt: started + lifetimeMs - lead, expiresAt: started + lifetimeMs - margin };
  }
}
