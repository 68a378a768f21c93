// Counters behind the control channel (`GET /control/stats`, the `__stats` tool, `--stats-file`).
import { renameSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';

/** How many recent header sets and `_meta` objects are kept. */
export const KEEP_RECENT = 20;

/** Why a running call stopped early: the client's `notifications/cancelled`, or its connection went away. */
export type CancelReason = 'cancelled' | 'disconnect';

/** The JSON snapshot the control channel returns. */
export interface StatsSnapshot {
  pid: number;
  calls: Record<string, number>;
  cancellations: Record<string, number>;
  disconnects: Record<string, number>;
  injectedErrors: Record<string, number>;
  methods: Record<string, number>;
  inFlight: number;
  sessions: number;
  listChangedSent: number;
  headersSeen: IncomingHttpHeaders[];
  metaSeen: Record<string, unknown>[];
}

const bump = (m: Record<string, number>, key: string): number => (m[key] = (m[key] ?? 0) + 1);

/** Mutable counters; every change schedules one coalesced write of the stats file, if any. */
export class Stats {
  private s: StatsSnapshot = Stats.empty();
  private dirty = false;

  constructor(private readonly file?: string) {
    this.changed();
  }

  private static empty(): StatsSnapshot {
    const o = () => Object.create(null) as Record<string, number>;
    return {
      pid: process.pid,
      calls: o(),
      cancellations: o(),
      disconnects: o(),
      injectedErrors: o(),
      methods: o(),
      inFlight: 0,
      sessions: 0,
      listChangedSent: 0,
      headersSeen: [],
      metaSeen: [],
    };
  }

  /** Counts one JSON-RPC request method (not written to the file on its own: too hot). */
  method(name: string): void {
    bump(this.s.methods, name);
  }

  /** Counts a tool call as it starts; returns the tool's call count including this one. */
  callStarted(tool: string, meta: Record<string, unknown> | undefined): number {
    const n = bump(this.s.calls, tool);
    this.s.inFlight++;
    if (meta !== undefined) pushRecent(this.s.metaSeen, meta);
    this.changed();
    return n;
  }

  /** Marks a tool call as finished, whatever its outcome. */
  callEnded(): void {
    this.s.inFlight--;
    this.changed();
  }

  /** Records an early stop of a running call. */
  cancelled(tool: string, reason: CancelReason): void {
    bump(reason === 'cancelled' ? this.s.cancellations : this.s.disconnects, tool);
    this.changed();
  }

  /** Records a scripted failure (error rate, flap, pushback). */
  injectedError(tool: string): void {
    bump(this.s.injectedErrors, tool);
    this.changed();
  }

  /** Remembers the headers of one HTTP request. */
  headers(h: IncomingHttpHeaders): void {
    pushRecent(this.s.headersSeen, { ...h });
  }

  /** Sets the number of live sessions. */
  sessions(n: number): void {
    this.s.sessions = n;
    this.changed();
  }

  /** Counts one list_changed notification. */
  listChanged(): void {
    this.s.listChangedSent++;
    this.changed();
  }

  /** Zeroes every counter except the live gauges (in-flight calls, sessions). */
  reset(): void {
    const { inFlight, sessions } = this.s;
    this.s = { ...Stats.empty(), inFlight, sessions };
    this.changed();
  }

  /** A copy safe to serialise or hand out. */
  snapshot(): StatsSnapshot {
    return structuredClone(this.s);
  }

  /** Writes the file now (before a scripted crash, which would lose a pending write). */
  flushSync(): void {
    if (this.file === undefined) return;
    this.dirty = false;
    // Write-then-rename so a reader never sees a half-written file.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.s));
    renameSync(tmp, this.file);
  }

  /** Writes a pending change now; transports call it before writing an answer so the file never lags. */
  settle(): void {
    if (this.dirty) this.flushSync();
  }

  // A microtask runs before any I/O, so coalescing loses no state a test could have observed.
  private changed(): void {
    if (this.file === undefined || this.dirty) return;
    this.dirty = true;
    queueMicrotask(() => {
      if (this.dirty) this.flushSync();
    });
  }
}

function pushRecent<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP_RECENT) list.shift();
}
