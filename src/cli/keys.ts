import { ConfigError, loadConfig, storagePath, type BreakwaterConfig } from '../config/index.js';
import type { ApiKeyRecord, KeyStore } from '../store/key-store.js';
import { SqliteKeyStore } from '../store/sqlite/sqlite-key-store.js';
import { issueApiKey } from '../transport/auth/index.js';
import { CliError, str, type CommandDefinition, type CommandIo } from './command.js';
import { secretOpener } from '../app/secret-wiring.js';

const ACTIONS = ['create', 'list', 'revoke', 'rotate', 'blocks', 'unblock'];

/**
 * `breakwater keys create|list|revoke|rotate|blocks|unblock`: API keys of a gateway's config, in
 * `storage.dir`/keys.db (hashes only: a key is printed once, at create or rotate, and never again). A
 * running gateway sees changes within a second.
 */
export const command: CommandDefinition = {
  description:
    'API keys for callers (sent as "Authorization: Bearer bwk_…" or auth.apiKeys.header). Only a hash is stored: ' +
    'create and rotate print the key once. revoke and rotate take the key id (from list) or a name. blocks lists ' +
    'the addresses and credentials blocked after repeated authentication failures; unblock lifts one.',
  positionals: { usage: 'create|list|revoke|rotate|blocks|unblock [ID|NAME|SUBJECT]', min: 1, max: 2, choices: ACTIONS },
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', help: 'the gateway config', default: 'breakwater.yaml' },
    name: { type: 'string', value: 'NAME', help: 'create: who holds the key (the principal id)' },
    roles: { type: 'string', value: 'R1,R2', help: 'create: roles of the key, comma-separated' },
    expires: { type: 'string', value: 'DURATION', help: 'create/rotate: lifetime, e.g. 30d, 12h, 90m (default: never)' },
    grace: { type: 'string', value: 'DURATION', help: 'rotate: how long the old key keeps working (default: revoked at once)' },
  },
  examples: [
    'breakwater keys create --name ci-bot --roles dev,reader --expires 90d',
    'breakwater keys list',
    'breakwater keys rotate ci-bot --grace 1h',
    'breakwater keys revoke 3f9a1c0d2b7e',
    'breakwater keys unblock address:203.0.113.7',
  ],
  exitCodes: { 1: 'no such key or block, or the config is invalid' },
  run: async (args, io) => {
    const [action, target] = args.positionals;
    const file = str(args, 'config') ?? 'breakwater.yaml';
    const config = load(file, io);
    const store = new SqliteKeyStore(storagePath(config, file, 'keys.db'));
    try {
      switch (action) {
        case 'create':
          return create(store, args.values, io);
        case 'list':
          return list(store, io);
        case 'revoke':
          return revoke(store, need(target, 'revoke'), io);
        case 'rotate':
          return rotate(store, need(target, 'rotate'), args.values, io);
        case 'blocks':
          return blocks(store, io);
        default:
          return unblock(store, need(target, 'unblock'), io);
      }
    } finally {
      store.close();
    }
  },
};

function load(file: string, io: CommandIo): BreakwaterConfig {
  try {
    return loadConfig(file, io.env, { secrets: secretOpener }).config;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`${file}: invalid config (breakwater check-config ${file} lists the problems)`);
    throw err;
  }
}

function need(target: string | undefined, action: string): string {
  if (target === undefined) throw new CliError(`breakwater keys ${action}: name the key (id or name; see breakwater keys list)`, 2);
  return target;
}

/** `30d`, `12h`, `90m`, `45s` → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (!m) throw new CliError(`--${flag} ${text}: expected a number and a unit, like 30d, 12h, 90m or 45s`, 2);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

type Values = Readonly<Record<string, string | boolean | undefined>>;

function create(store: KeyStore, values: Values, io: CommandIo): number {
  const name = typeof values.name === 'string' ? values.name.trim() : '';
  if (name === '') throw new CliError('breakwater keys create: --name is required (who holds the key)', 2);
  const roles =
    typeof values.roles === 'string'
      ? values.roles
          .split(',')
          .map((r) => r.trim())
          .filter((r) => r !== '')
      : [];
  const now = Date.now();
  const expiresAt = typeof values.expires === 'string' ? now + parseDuration(values.expires, 'expires') : undefined;
  const { key, record } = issueApiKey({ name, roles, now, expiresAt });
  store.add(record);
  io.stderr.write(
    `created key ${record.id} for ${name}${expiresAt ? `, expires ${new Date(expiresAt).toISOString()}` : ''}. It is shown once: store it now.\n`,
  );
  io.stdout.write(`${key}\n`);
  return 0;
}

function describe(k: ApiKeyRecord, now: number): string {
  const state = k.revoked ? 'revoked' : k.expiresAt !== undefined && k.expiresAt <= now ? 'expired' : 'active';
  const at = (t: number | undefined) => (t === undefined ? '-' : new Date(t).toISOString());
  return [k.id, k.name, state, k.roles.join(',') || '-', at(k.createdAt), at(k.expiresAt), at(k.lastUsedAt)].join('\t');
}

function list(store: KeyStore, io: CommandIo): number {
  const keys = store.list();
  if (keys.length === 0) {
    io.stdout.write('no keys (breakwater keys create --name NAME)\n');
    return 0;
  }
  const now = Date.now();
  io.stdout.write(['id', 'name', 'state', 'roles', 'created', 'expires', 'last used'].join('\t') + '\n');
  for (const k of keys) io.stdout.write(describe(k, now) + '\n');
  return 0;
}

function revoke(store: KeyStore, target: string, io: CommandIo): number {
  const key = store.find(target);
  if (key === undefined || !store.revoke(key.id)) throw new CliError(`no key ${target} (see breakwater keys list)`);
  io.stdout.write(`revoked ${key.id} (${key.name})\n`);
  return 0;
}

function rotate(store: KeyStore, target: string, values: Values, io: CommandIo): number {
  const old = store.find(target);
  if (old === undefined || old.revoked) throw new CliError(`no active key ${target} (see breakwater keys list)`);
  const now = Date.now();
  const expiresAt =
    typeof values.expires === 'string'
      ? now + parseDuration(values.expires, 'expires')
      : old.expiresAt === undefined
        ? undefined
        : now + (old.expiresAt - old.createdAt);
  const { key, record } = issueApiKey({ name: old.name, roles: old.roles, now, expiresAt });
  store.add(record);
  if (typeof values.grace === 'string') store.revoke(old.id, now + parseDuration(values.grace, 'grace'));
  else store.revoke(old.id);
  io.stderr.write(
    `rotated ${old.id} → ${record.id} for ${old.name}; the old key ${typeof values.grace === 'string' ? `works until ${new Date(now + parseDuration(values.grace, 'grace')).toISOString()}` : 'is revoked'}. The new key is shown once.\n`,
  );
  io.stdout.write(`${key}\n`);
  return 0;
}

function blocks(store: KeyStore, io: CommandIo): number {
  const all = store.blocks(Date.now());
  if (all.length === 0) io.stdout.write('no blocks in force\n');
  for (const b of all) io.stdout.write(`${b.subject}\tuntil ${new Date(b.until).toISOString()}\t${b.reason}\n`);
  return 0;
}

function unblock(store: KeyStore, subject: string, io: CommandIo): number {
  if (!store.unblock(subject)) throw new CliError(`no block on ${subject} (see breakwater keys blocks)`);
  io.stdout.write(`unblocked ${subject}\n`);
  return 0;
}
