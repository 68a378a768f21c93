/**
 * The PinStore port: one record per upstream and tool name, holding the approved definition and, when
 * the upstream now serves something else, the pending one. Implementations: in-memory (tests) and SQLite
 * (src/store/sqlite/sqlite-pin-store.ts); only app/ and cli/ choose one. Async so a shared (PostgreSQL)
 * implementation fits the same port.
 */
export interface PinRecord {
  readonly upstream: string;
  /** The tool's name as the upstream lists it (not the exposed, prefixed name). */
  readonly tool: string;
  /** Hash and canonical text of the approved definition; null while a first-seen tool awaits approval. */
  readonly approvedHash: string | null;
  readonly approvedBodyHash: string | null;
  readonly approvedText: string | null;
  /** What the upstream serves now when it differs from the approved definition (null when it does not). */
  readonly pendingHash: string | null;
  readonly pendingText: string | null;
  /** A definition an operator rejected: blocked whenever served, whatever the mode. */
  readonly rejectedHash: string | null;
  /** Poison-scan findings of the definition last seen, as `rule: detail` lines. */
  readonly findings: readonly string[];
  /** Set when the tool was recognised as a rename of an approved tool with an identical definition. */
  readonly renamedFrom: string | null;
  /** Epoch ms. */
  readonly firstSeen: number;
  readonly updatedAt: number;
}

/** Where pins live; survives restarts in every implementation but the in-memory one. */
export interface PinStore {
  get(upstream: string, tool: string): Promise<PinRecord | undefined>;
  /** Every record, or one upstream's, ordered by upstream then tool. */
  list(upstream?: string): Promise<PinRecord[]>;
  put(record: PinRecord): Promise<void>;
  /** Changes whenever anyone (another process too) changed the store: the gateway re-reviews on a change. */
  version(): Promise<number>;
  close(): Promise<void>;
}
