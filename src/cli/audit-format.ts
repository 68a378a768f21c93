import type { AuditRow } from '../store/audit/chain.js';

/** One row as an export/tail line: its place in the chain, then its fields. */
export function rowObject(row: AuditRow): Record<string, unknown> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(row.body) as Record<string, unknown>;
  } catch {
    body = { unreadable: true };
  }
  return { seq: row.seq, kind: row.kind, ...body, hash: row.hash };
}

/** The CSV columns of `audit export --format csv`, in order. */
export const CSV_COLUMNS = [
  'seq',
  'kind',
  'time',
  'requestId',
  'principal',
  'principalKind',
  'client',
  'session',
  'era',
  'method',
  'upstream',
  'tool',
  'argsDigest',
  'decision',
  'rule',
  'outcome',
  'errorCode',
  'latencyMs',
  'attempts',
  'reason',
  'remoteAddress',
  'hash',
] as const;

// Formula-looking cells are quoted with a leading apostrophe: a spreadsheet must never evaluate audit data.
const cell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One CSV line (RFC 4180 quoting). */
export function csvLine(obj: Record<string, unknown>): string {
  return CSV_COLUMNS.map((c) => cell(obj[c])).join(',');
}
