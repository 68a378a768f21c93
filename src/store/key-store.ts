/** One API key as stored: never the key itself, only its SHA-256 (ADR 0020). */
export interface ApiKeyRecord {
  /** Short public id (the first 12 hex digits of the hash): shown by `keys list`, used by revoke/rotate, logged. */
  readonly id: string;
  /** Who holds the key; becomes the principal id. Several keys may share a name (rotation). */
  readonly name: string;
  /** Hex SHA-256 of the whole key string. */
  readonly hash: string;
  readonly roles: readonly string[];
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms after which the key is refused; undefined: never expires. */
  readonly expiresAt: number | undefined;
  readonly revoked: boolean;
  /** Epoch ms of the last accepted use, written at most once a minute per key. */
  readonly lastUsedAt: number | undefined;
}

/** A temporary block after repeated authentication failures. */
export interface BlockRecord {
  /** `address:<ip>` or `credential:<key id or token hash prefix>`. */
  readonly subject: string;
  /** Epoch ms when the block lifts by itself. */
  readonly until: number;
  readonly reason: string;
  readonly createdAt: number;
}

/**
 * The API key port: keys (hashed) and authentication blocks, shared by the serving gateway and the
 * `breakwater keys` CLI. Synchronous: the embedded implementations answer in microseconds, and the
 * authenticator caches what it reads.
 */
export interface KeyStore {
  /** Adds a key record (its hash must be new). */
  add(record: ApiKeyRecord): void;
  /** The key with this hash, revoked or expired ones included (the caller decides). */
  byHash(hash: string): ApiKeyRecord | undefined;
  /** Every key, newest first. */
  list(): ApiKeyRecord[];
  /** The key with this id, or the one non-revoked key with this name. */
  find(idOrName: string): ApiKeyRecord | undefined;
  /** Marks the key revoked (or, with `expiresAt`, lets it expire then); false when no such key. */
  revoke(id: string, expiresAt?: number): boolean;
  /** Records last-used times (key id → epoch ms); called off the request path. */
  touch(used: ReadonlyMap<string, number>): void;
  /** Blocks still in force at `now` (epoch ms). */
  blocks(now: number): BlockRecord[];
  /** Records a block (replacing one for the same subject). */
  block(record: BlockRecord): void;
  /** Lifts a block; false when none was in force. */
  unblock(subject: string): boolean;
  /** Changes whenever another writer (the CLI) changed the store: the server then drops its caches. */
  version(): number;
  close(): void;
}
