import type { PinRecord, PinStore } from '../../policies/pinning/index.js';

/** Pins in a Map: for tests and throwaway gateways (nothing survives a restart). */
export class MemoryPinStore implements PinStore {
  #pins = new Map<string, PinRecord>();
  #version = 0;

  async get(upstream: string, tool: string): Promise<PinRecord | undefined> {
    return this.#pins.get(`${upstream}\0${tool}`);
  }

  async list(upstream?: string): Promise<PinRecord[]> {
    return [...this.#pins.values()]
      .filter((p) => upstream === undefined || p.upstream === upstream)
      .sort((a, b) => (a.upstream === b.upstream ? cmp(a.tool, b.tool) : cmp(a.upstream, b.upstream)));
  }

  async put(record: PinRecord): Promise<void> {
    this.#pins.set(`${record.upstream}\0${record.tool}`, { ...record, findings: [...record.findings] });
    this.#version++;
  }

  async version(): Promise<number> {
    return this.#version;
  }

  async close(): Promise<void> {}
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
