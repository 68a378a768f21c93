import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';

/** The hash before the first record. */
export const GENESIS = '0'.repeat(64);

/** The kinds of rows in the audit log. `start` and `checkpoint` rows are signed checkpoints. */
export type RowKind = 'begin' | 'end' | 'denial' | 'interrupted' | 'checkpoint' | 'start';

/** One stored row. */
export interface AuditRow {
  readonly seq: number;
  readonly kind: RowKind;
  readonly requestId: string | null;
  readonly body: string;
  readonly prev: string;
  readonly hash: string;
}

/** A row's hash: it covers the previous hash, so an edit anywhere breaks every later link. */
export function rowHash(prev: string, seq: number, kind: string, body: string): string {
  // One-shot crypto.hash (Node ≥ 20.12): half the cost of a Hash object, and this runs twice per call.
  return hash('sha256', `${prev}|${seq}|${kind}|${body}`, 'hex');
}

/** The body of a checkpoint row; `mac` signs upTo, head and at with the checkpoint key. */
export interface Checkpoint {
  readonly at: string;
  readonly upTo: number;
  readonly head: string;
  readonly reason: 'periodic' | 'start' | 'stop';
  readonly keyId: string;
  readonly mac: string;
}

/** HMAC-SHA256 over a checkpoint's fields (hex). */
export function checkpointMac(key: Buffer, c: Omit<Checkpoint, 'mac'>): string {
  return createHmac('sha256', key).update(`breakwater-audit|${c.upTo}|${c.head}|${c.at}|${c.reason}|${c.keyId}`).digest('hex');
}

/** The head file's content: the latest checkpoint row (seq and hash), signed. */
export interface Head {
  readonly seq: number;
  readonly hash: string;
  readonly mac: string;
}

/** HMAC over the head file's fields (hex). */
export function headMac(key: Buffer, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`breakwater-audit-head|${seq}|${hash}`).digest('hex');
}

/** Id of the checkpoint key: a fingerprint, so verify can say which key signed. */
export function macKeyId(key: Buffer): string {
  return createHash('sha256').update('breakwater-audit-key\0').update(key).digest('hex').slice(0, 16);
}

/** Constant-time comparison of two hex strings. */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Canonical JSON (object keys sorted, no spaces): the same arguments always give the same digest. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** SHA-256 (hex) of the canonical JSON of a value. */
export function digest(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}
