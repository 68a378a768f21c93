// Talks to a child's V8 inspector (started with --inspect=127.0.0.1:0) to force a full GC and read heap usage,
// so the idle-session figure does not depend on when the gateway's GC happens to run.
import { WebSocket } from 'undici';

/** A connected inspector session. */
export interface Inspector {
  /** Runs a full, compacting GC in the target. */
  collectGarbage(): Promise<void>;
  /** JS heap bytes in use in the target. */
  heapUsedBytes(): Promise<number>;
  /** process.memoryUsage() of the target, in bytes. */
  memoryUsage(): Promise<NodeJS.MemoryUsage>;
  close(): void;
}

/** Connects to ws://… printed by the child as "Debugger listening on ws://…". */
export async function connectInspector(wsUrl: string, timeoutMs = 5_000): Promise<Inspector> {
  const ws = new WebSocket(wsUrl);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector at ${wsUrl}: no connection within ${timeoutMs} ms`)), timeoutMs);
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error(`inspector at ${wsUrl}: connection failed`));
    });
  });
  ws.addEventListener('message', (ev) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`inspector: ${msg.error.message}`));
    else p.resolve(msg.result);
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.reject(new Error('inspector connection closed'));
    pending.clear();
  });
  const call = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`inspector: ${method} timed out`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
    },
    async heapUsedBytes() {
      const r = (await call('Runtime.getHeapUsage')) as { usedSize: number };
      return r.usedSize;
    },
    async memoryUsage() {
      const r = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as {
        result: { value?: unknown };
      };
      return JSON.parse(String(r.result.value)) as NodeJS.MemoryUsage;
    },
    close() {
      ws.close();
    },
  };
}
