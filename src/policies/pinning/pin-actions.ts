import type { PinRecord, PinStore } from './pin-store.js';
import { digestTool } from './tool-definition.js';

/** What an operator action did, for the CLI to print. */
export interface PinActionResult {
  readonly ok: boolean;
  readonly message: string;
}

/** Approves the pending definition of one tool (or a first-seen tool held for review). */
export async function approvePin(store: PinStore, upstream: string, tool: string, now: number): Promise<PinActionResult> {
  const pin = await store.get(upstream, tool);
  if (!pin) return { ok: false, message: `no pin for ${upstream}/${tool}` };
  if (pin.pendingHash === null || pin.pendingText === null)
    return { ok: pin.approvedHash !== null, message: `${upstream}/${tool}: nothing pending` };
  const next: PinRecord = {
    ...pin,
    approvedHash: pin.pendingHash,
    approvedBodyHash: bodyHashOfText(pin.pendingText),
    approvedText: pin.pendingText,
    pendingHash: null,
    pendingText: null,
    rejectedHash: pin.rejectedHash === pin.pendingHash ? null : pin.rejectedHash,
    updatedAt: now,
  };
  await store.put(next);
  return { ok: true, message: `${upstream}/${tool}: approved ${short(next.approvedHash)}` };
}

/** Rejects the pending definition: the tool stays blocked while the upstream serves it. */
export async function rejectPin(store: PinStore, upstream: string, tool: string, now: number): Promise<PinActionResult> {
  const pin = await store.get(upstream, tool);
  if (!pin) return { ok: false, message: `no pin for ${upstream}/${tool}` };
  if (pin.pendingHash === null) return { ok: false, message: `${upstream}/${tool}: nothing pending` };
  await store.put({ ...pin, rejectedHash: pin.pendingHash, updatedAt: now });
  return { ok: true, message: `${upstream}/${tool}: rejected ${short(pin.pendingHash)} (blocked while served)` };
}

/** The first 12 hex digits of a hash, as the CLI shows them. */
export function short(hash: string | null): string {
  return hash === null ? '-' : hash.slice(0, 12);
}

// The body hash is recomputed from the stored canonical text, so the record needs no pending body hash.
function bodyHashOfText(text: string): string {
  return digestTool(JSON.parse(text) as Record<string, unknown>).bodyHash;
}
