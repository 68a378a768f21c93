import { existsSync } from 'node:fs';
import { auditKey, AUDIT_DB } from '../app/audit-wiring.js';
import {
  ConfigError,
  readStoreSettings,
  storagePath,
  type AuditConfig,
  type BreakwaterConfig,
  type SecretStoreLocation,
} from '../config/index.js';
import { verifyRows } from '../store/audit/verify.js';
import { lastAuditSeq, readAuditRows, readHead } from '../store/sqlite/sqlite-audit-sink.js';
import { csvLine, CSV_COLUMNS, rowObject } from './audit-format.js';
import { CliError, num, str, type CommandDefinition, type CommandIo } from './command.js';

/**
 * `breakwater audit tail|search|verify|export`: reads the audit log of a config (`storage.dir`/audit.db),
 * also while the gateway runs (SQLite WAL readers never block the writer). See ADR 0019.
 */
export const command: CommandDefinition = {
  description:
    'tail: the last N records. search: records matching every filter given. verify: checks the hash chain, every\n' +
    'signed checkpoint and the signed head (edits, deletions and truncation are reported), and that each call has\n' +
    'exactly one final record. export: every record as JSON lines or CSV.',
  positionals: { usage: 'tail|search|verify|export', min: 1, max: 1, choices: ['tail', 'search', 'verify', 'export'] },
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', help: 'the gateway config', default: 'breakwater.yaml' },
    lines: { type: 'string', short: 'n', value: 'N', kind: 'count', help: 'tail: how many records', default: '20' },
    format: { type: 'string', value: 'FORMAT', choices: ['jsonl', 'csv'], help: 'tail, search, export: output format', default: 'jsonl' },
    principal: { type: 'string', value: 'ID', help: 'search: records of this principal' },
    tool: { type: 'string', value: 'NAME', help: 'search: records of this tool (client-visible name)' },
    upstream: { type: 'string', value: 'NAME', help: 'search: records of this upstream' },
    outcome: {
      type: 'string',
      value: 'OUTCOME',
      help: 'search: ok, tool-error, upstream-error, gateway-error, cancelled, denied, interrupted',
    },
    'request-id': { type: 'string', value: 'ID', help: 'search: the records of one call' },
    since: { type: 'string', value: 'TIME', help: 'search: records at or after this ISO time' },
  },
  examples: [
    'breakwater audit verify',
    'breakwater audit tail -n 50',
    'breakwater audit search --principal alice --outcome denied',
    'breakwater audit export --format csv > audit.csv',
  ],
  exitCodes: { 1: 'verify found a problem, or there is no audit log' },
  run: async (args, io) => {
    const [action] = args.positionals;
    const file = str(args, 'config') ?? 'breakwater.yaml';
    const { location, audit } = settings(file, io);
    const db = storagePath({ storage: { dir: location.storageDir } } as BreakwaterConfig, file, AUDIT_DB);
    if (!existsSync(db)) throw new CliError(`no audit log at ${db} (set audit.enabled: true and start the gateway)`);
    const format = str(args, 'format') ?? 'jsonl';
    if (action === 'verify') return verify(db, location, audit, io);
    const write = writer(format, io);
    if (action === 'tail') {
      const n = num(args, 'lines', 20);
      for (const row of readAuditRows(db, Math.max(0, lastAuditSeq(db) - n))) write(rowObject(row));
      return 0;
    }
    const match = action === 'search' ? filter(args.values) : () => true;
    for (const row of readAuditRows(db)) {
      const obj = rowObject(row);
      if (match(obj)) write(obj);
    }
    return 0;
  },
};

function settings(file: string, io: CommandIo): { location: SecretStoreLocation; audit: AuditConfig } {
  try {
    return readStoreSettings(file, io.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`${file}: ${err.problems.map((p) => p.message).join('; ')}`);
    throw err;
  }
}

function writer(format: string, io: CommandIo): (obj: Record<string, unknown>) => void {
  if (format === 'jsonl') return (obj) => io.stdout.write(JSON.stringify(obj) + '\n');
  io.stdout.write(CSV_COLUMNS.join(',') + '\n');
  return (obj) => io.stdout.write(csvLine(obj) + '\n');
}

function filter(values: Readonly<Record<string, string | boolean | undefined>>): (obj: Record<string, unknown>) => boolean {
  const want: Array<[string, string]> = [];
  for (const [flag, field] of [
    ['principal', 'principal'],
    ['tool', 'tool'],
    ['upstream', 'upstream'],
    ['outcome', 'outcome'],
    ['request-id', 'requestId'],
  ] as const) {
    const v = values[flag];
    if (typeof v === 'string') want.push([field, v]);
  }
  const since = typeof values.since === 'string' ? Date.parse(values.since) : undefined;
  if (since !== undefined && Number.isNaN(since))
    throw new CliError(`--since ${String(values.since)}: expected an ISO time such as 2026-12-01T00:00:00Z`, 2);
  return (obj) =>
    want.every(([field, v]) => obj[field] === v) &&
    (since === undefined || (typeof obj.time === 'string' && Date.parse(obj.time) >= since));
}

function verify(db: string, location: SecretStoreLocation, audit: AuditConfig, io: CommandIo): number {
  let key: Buffer | undefined;
  try {
    key = auditKey(location, audit.checkpoint.keySecret, false);
  } catch (err) {
    io.stderr.write(`checkpoint key unavailable (${err instanceof Error ? err.message : String(err)}): signatures cannot be checked\n`);
  }
  if (!key) io.stderr.write(`no checkpoint key ${audit.checkpoint.keySecret} in the secret store: signatures cannot be checked\n`);
  const report = verifyRows(readAuditRows(db), key, readHead(db));
  for (const p of report.problems) io.stdout.write(`problem: ${p}\n`);
  io.stdout.write(
    `${report.ok && key ? 'OK' : 'FAILED'}: ${report.records} records, ${report.checkpoints} signed checkpoints, ` +
      `${report.unsealed} after the last checkpoint, ${report.open} call(s) in flight\n`,
  );
  return report.ok && key ? 0 : 1;
}
