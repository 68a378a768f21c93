import { Emitter, type Clock, type Random } from '../core/index.js';
import type { Params } from '../protocol/index.js';
import { EraCache, refusesLegacy } from './era.js';
import type { LinkContext, LinkOpener } from './links.js';
import { CONNECTION_NOTIFICATIONS } from './peer-routing.js';
import type { ResolvedRestart, UpstreamLogger } from './spec.js';
import { Supervisor } from './supervisor.js';
import type { UpstreamEvents, UpstreamInfo, UpstreamRequestOptions } from './types.js';

/** What the sibling link needs from its connection. */
export interface LegacySiblingOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: UpstreamLogger;
  readonly restart: ResolvedRestart;
  /** The connection's own link context: the sibling shares its spec, limits, capabilities and fallback. */
  readonly link: LinkContext;
  readonly open: LinkOpener;
}

type Send = () => Promise<Record<string, unknown>>;

/**
 * The legacy-era link of a dual-era upstream (see docs/adr/0002-caller-era-links.md): an upstream
 * whose era probe said modern serves modern callers over its modern link, and legacy callers over
 * this second link, opened with `initialize` the first time a legacy caller calls. What the server
 * gives a 2025 client directly (push-style sampling and elicitation, session logs) then reaches
 * legacy callers unchanged. Lists, subscriptions and health stay on the modern link; the sibling's
 * list-change notifications are dropped as duplicates. A server that refuses `initialize` is
 * modern-only: that verdict is cached and legacy callers use the modern link (bridged) from then on.
 * While the sibling is not ready, calls use the modern link rather than wait for it.
 */
export class LegacySibling {
  readonly #o: LegacySiblingOptions;
  #supervisor: Supervisor | undefined;
  #first: Promise<boolean> | undefined;
  #info: UpstreamInfo | undefined;
  #refused = false;
  #closed = false;

  constructor(options: LegacySiblingOptions) {
    this.#o = options;
  }

  /** False once the server refused the legacy handshake (or the connection closed). */
  get usable(): boolean {
    return !this.#refused && !this.#closed;
  }

  /** The legacy link's facts, once it opened. */
  get info(): UpstreamInfo | undefined {
    return this.#info;
  }

  get inFlight(): number {
    return this.#supervisor?.link?.peer.inFlight ?? 0;
  }

  /** Sends over the legacy link when it is (or, the first time, becomes) ready; else `modern()`. */
  request(method: string, params: Params | undefined, options: UpstreamRequestOptions, modern: Send): Promise<Record<string, unknown>> {
    const link = this.#supervisor?.link;
    if (link !== undefined) return link.peer.request(method, params, options);
    if (!this.usable || (this.#supervisor !== undefined && this.#first === undefined)) return modern();
    return this.#opened(options.signal).then((ready) => {
      const now = this.#supervisor?.link;
      return ready && now !== undefined ? now.peer.request(method, params, options) : modern();
    });
  }

  /** Stops the legacy link for good. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#supervisor?.stop();
  }

  /** Whether the first open succeeded (shared by every call that arrives while it runs; bounded by `signal`). */
  #opened(signal: AbortSignal): Promise<boolean> {
    this.#first ??= this.#start();
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.#first!.then((ok) => {
        signal.removeEventListener('abort', onAbort);
        resolve(ok);
      });
    });
  }

  async #start(): Promise<boolean> {
    const { link, log, name } = this.#o;
    const ctx: LinkContext = {
      ...link,
      eras: new EraCache('legacy'),
      known: () => this.#info,
      learnt: (info) => (this.#info = info),
      sessionRestored: () => undefined,
      onNotification: (n) => {
        if (!CONNECTION_NOTIFICATIONS.has(n.method)) link.onNotification(n);
      },
    };
    const supervisor = new Supervisor({
      name,
      clock: this.#o.clock,
      random: this.#o.random,
      log,
      restart: this.#o.restart,
      events: new Emitter<UpstreamEvents>(),
      open: async (signal) => {
        const opened = await this.#o.open(ctx, signal);
        this.#info = opened.info;
        return opened;
      },
    });
    this.#supervisor = supervisor;
    try {
      await supervisor.start();
      log.info({ upstream: name }, 'dual-era upstream: legacy link opened for legacy callers');
      return true;
    } catch (err) {
      if (refusesLegacy(err)) {
        this.#refused = true;
        log.info({ upstream: name, err }, 'upstream refuses the legacy handshake: legacy callers use its modern link');
        await supervisor.stop();
      } else {
        // Not a verdict about the era: restarts go on, and calls use the legacy link once it is ready.
        log.warn({ upstream: name, err }, 'legacy link of a dual-era upstream did not open; using the modern link meanwhile');
      }
      return false;
    } finally {
      this.#first = undefined;
      if (this.#closed) await supervisor.stop();
    }
  }
}
