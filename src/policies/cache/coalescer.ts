import type { CallResult } from '../../pipeline/index.js';
import type { CacheScope } from './cache-store.js';

/** What the shared upstream call produced. */
export interface FlightOutcome {
  readonly result: CallResult;
  readonly scope: CacheScope;
  /** The key of the principal whose call ran upstream (private results are only theirs). */
  readonly owner: string;
}

/** One upstream call shared by identical concurrent calls. */
export interface Flight {
  readonly promise: Promise<FlightOutcome>;
  /** Aborted only when every participant has left, which cancels the upstream call. */
  readonly controller: AbortController;
  participants: number;
  settled: boolean;
}

/**
 * In-flight calls by key. A participant that leaves (its own abort) only detaches; the shared call is
 * cancelled when the last participant leaves, and a dying or invalidated flight is never joined.
 */
export class Coalescer {
  readonly #flights = new Map<string, Flight>();

  get(key: string): Flight | undefined {
    return this.#flights.get(key);
  }

  /** Starts a flight under `key`; `run` receives the flight's own signal. */
  start(key: string, run: (signal: AbortSignal) => Promise<FlightOutcome>): Flight {
    const controller = new AbortController();
    const promise = run(controller.signal).finally(() => {
      flight.settled = true;
      this.#forget(key, flight);
    });
    promise.catch(() => {}); // participants may all have left; nobody else awaits it
    const flight: Flight = { promise, controller, participants: 0, settled: false };
    this.#flights.set(key, flight);
    return flight;
  }

  /** Detaches one participant; the last one out cancels an unsettled flight. */
  leave(key: string, flight: Flight, reason: unknown): void {
    if (--flight.participants > 0 || flight.settled) return;
    this.#forget(key, flight);
    flight.controller.abort(reason);
  }

  /** Stops new calls from joining matching flights (they keep running for their participants). */
  forget(match: (key: string) => boolean): void {
    for (const key of [...this.#flights.keys()]) if (match(key)) this.#flights.delete(key);
  }

  #forget(key: string, flight: Flight): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }
}
