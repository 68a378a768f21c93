import type { ApiKeyRecord, BlockRecord, KeyStore } from '../key-store.js';

/** API keys and blocks in memory: tests, and gateways whose keys are created in-process. */
export class MemoryKeyStore implements KeyStore {
  #keys = new Map<string, ApiKeyRecord>();
  #blocks = new Map<string, BlockRecord>();
  #version = 0;

  add(record: ApiKeyRecord): void {
    if (this.#keys.has(record.hash)) throw new Error(`key ${record.id} exists`);
    this.#keys.set(record.hash, record);
    this.#version++;
  }

  byHash(hash: string): ApiKeyRecord | undefined {
    return this.#keys.get(hash);
  }

  list(): ApiKeyRecord[] {
    return [...this.#keys.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  find(idOrName: string): ApiKeyRecord | undefined {
    const all = this.list();
    return all.find((k) => k.id === idOrName) ?? all.find((k) => k.name === idOrName && !k.revoked);
  }

  revoke(id: string, expiresAt?: number): boolean {
    const record = [...this.#keys.values()].find((k) => k.id === id);
    if (record === undefined) return false;
    this.#keys.set(record.hash, expiresAt === undefined ? { ...record, revoked: true } : { ...record, expiresAt });
    this.#version++;
    return true;
  }

  touch(used: ReadonlyMap<string, number>): void {
    for (const record of this.#keys.values()) {
      const at = used.get(record.id);
      if (at !== undefined) this.#keys.set(record.hash, { ...record, lastUsedAt: at });
    }
  }

  blocks(now: number): BlockRecord[] {
    return [...this.#blocks.values()].filter((b) => b.until > now);
  }

  block(record: BlockRecord): void {
    this.#blocks.set(record.subject, record);
  }

  unblock(subject: string): boolean {
    const had = this.#blocks.delete(subject);
    if (had) this.#version++;
    return had;
  }

  version(): number {
    return this.#version;
  }

  close(): void {}
}
