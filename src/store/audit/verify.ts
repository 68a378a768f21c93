import { checkpointMac, GENESIS, headMac, macKeyId, rowHash, sameHex, type AuditRow, type Checkpoint, type Head } from './chain.js';

/** What `audit verify` found. `ok` is false on any problem. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly records: number;
  readonly checkpoints: number;
  /** Records after the last checkpoint: chained but not yet signed. */
  readonly unsealed: number;
  /** Calls begun in the last run with no final record yet (in flight, or awaiting start-up reconciliation). */
  readonly open: number;
  readonly problems: readonly string[];
}

const FINAL = new Set(['end', 'interrupted']);
const MAX_PROBLEMS = 50;

/**
 * Checks the chain (every hash, every link, no gap in the sequence), every checkpoint's signature, the
 * head file (truncation below the last checkpoint, or a rewritten checkpoint), and that each call has at
 * most one final record and every final record has its begin (ADR 0019).
 */
export function verifyRows(rows: Iterable<AuditRow>, key: Buffer | undefined, head: Head | undefined): VerifyReport {
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else if (problems.length === MAX_PROBLEMS) problems.push('… more problems not listed');
  };
  let prev = GENESIS;
  let expected = 1;
  let records = 0;
  let checkpoints = 0;
  let sinceCheckpoint = 0;
  let headSeen = false;
  let open = new Set<string>();
  let finals = new Set<string>();
  for (const row of rows) {
    records++;
    if (row.seq !== expected) problem(`records ${expected}..${row.seq - 1} are missing (deleted)`);
    expected = row.seq + 1;
    if (row.prev !== prev) problem(`record ${row.seq}: its link to the previous record is broken`);
    if (rowHash(row.prev, row.seq, row.kind, row.body) !== row.hash) problem(`record ${row.seq}: content does not match its hash (edited)`);
    prev = row.hash;
    if (head && row.seq === head.seq) {
      headSeen = true;
      if (row.hash !== head.hash) problem(`record ${row.seq}: differs from the signed head (rewritten)`);
    }
    if (row.kind === 'checkpoint' || row.kind === 'start') {
      checkpoints++;
      sinceCheckpoint = 0;
      checkCheckpoint(row, key, problem);
      if (row.kind === 'start') {
        // A new run: start-up reconciliation closed every begin before this row.
        for (const id of open) problem(`call ${id}: begun in an earlier run and never given a final record`);
        open = new Set();
        finals = new Set();
      }
      continue;
    }
    sinceCheckpoint++;
    const id = row.requestId ?? '';
    if (row.kind === 'begin') open.add(id);
    else if (FINAL.has(row.kind)) {
      if (finals.has(id)) problem(`call ${id}: more than one final record (record ${row.seq})`);
      else if (!open.has(id)) problem(`call ${id}: final record ${row.seq} without a begin`);
      finals.add(id);
      open.delete(id);
    }
  }
  if (head) {
    if (!key) problem('the head file cannot be checked without the checkpoint key');
    else if (!sameHex(head.mac, headMac(key, head.seq, head.hash))) problem('the head file signature is invalid');
    if (!headSeen) problem(`the log ends at record ${expected - 1} but the signed head names record ${head.seq} (truncated)`);
  } else if (checkpoints > 0) problem('the head file is missing');
  return { ok: problems.length === 0, records, checkpoints, unsealed: sinceCheckpoint, open: open.size, problems };
}

function checkCheckpoint(row: AuditRow, key: Buffer | undefined, problem: (p: string) => void): void {
  let c: Checkpoint;
  try {
    c = JSON.parse(row.body) as Checkpoint;
  } catch {
    problem(`checkpoint ${row.seq}: unreadable`);
    return;
  }
  if (c.upTo !== row.seq - 1 || c.head !== row.prev) problem(`checkpoint ${row.seq}: does not cover the records before it`);
  if (!key) return;
  if (c.keyId !== macKeyId(key)) problem(`checkpoint ${row.seq}: signed with key ${c.keyId}, not the configured key ${macKeyId(key)}`);
  else if (!sameHex(c.mac, checkpointMac(key, c))) problem(`checkpoint ${row.seq}: signature invalid (rewritten)`);
}
