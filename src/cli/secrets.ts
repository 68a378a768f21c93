import { openSecretStore } from '../app/secret-wiring.js';
import { ConfigError, readStoreSettings, type SecretStoreLocation } from '../config/index.js';
import type { SecretStore } from '../store/secret-store.js';
import { CliError, str, type CommandDefinition, type CommandIo } from './command.js';
import { readSecretValue, type SecretInput } from './secret-input.js';

/** Test hook: the value `set` reads instead of stdin. */
export const secretInput: { current: SecretInput } = { current: {} };

/**
 * `breakwater secrets set|list|rm|rotate [NAME]`: the encrypted secret store of a config (its
 * `storage.dir`/secrets.db), for `${secret:NAME}` references. See ADR 0018.
 */
export const command: CommandDefinition = {
  description:
    'set reads the value from stdin (piped) or a hidden prompt, never from the command line. rotate re-wraps every\n' +
    'data key under the active (first) master key: add the new key first, keep the old one until rotate reports\n' +
    'nothing stranded, then remove it. A running gateway keeps working throughout.',
  positionals: { usage: 'set|list|rm|rotate [NAME]', min: 1, max: 2, choices: ['set', 'list', 'rm', 'rotate'] },
  options: { config: { type: 'string', short: 'c', value: 'FILE', help: 'the gateway config', default: 'breakwater.yaml' } },
  examples: [
    'printf %s "$TOKEN" | breakwater secrets set github-token',
    'breakwater secrets list --config gw.yaml',
    'breakwater secrets rotate',
  ],
  exitCodes: { 1: 'no such secret, a secret left under a retired master key, or no usable master key' },
  run: async (args, io) => {
    const [action, name] = args.positionals;
    if ((action === 'set' || action === 'rm') && name === undefined) throw new CliError(`breakwater secrets ${action}: name the secret`, 2);
    const store = open(str(args, 'config') ?? 'breakwater.yaml', io);
    try {
      if (action === 'set') {
        const value = await readSecretValue((t) => io.stderr.write(t), secretInput.current);
        if (value === '') throw new CliError('empty value: nothing stored');
        const info = store.set(name!, value);
        io.stdout.write(
          `stored ${info.name} (version ${info.version}, master key ${info.keyId}); refer to it as \${secret:${info.name}}\n`,
        );
        return 0;
      }
      if (action === 'rm') {
        if (store.remove(name!)) io.stdout.write(`removed ${name}\n`);
        else throw new CliError(`no secret ${name} (breakwater secrets list shows them)`);
        return 0;
      }
      if (action === 'rotate') return rotate(store, io);
      const rows = store.list();
      if (rows.length === 0) io.stdout.write('no secrets\n');
      for (const r of rows) io.stdout.write(`${r.name}\tversion ${r.version}\tmaster key ${r.keyId}\tupdated ${r.updatedAt}\n`);
      return 0;
    } catch (err) {
      if (err instanceof CliError) throw err;
      // Master-key and decryption problems are expected operator errors: one line, no stack.
      throw new CliError(err instanceof Error ? err.message : String(err));
    } finally {
      store.close();
    }
  },
};

function rotate(store: SecretStore, io: CommandIo): number {
  const report = store.rotate();
  io.stdout.write(`active master key ${report.activeKeyId}: ${report.rewrapped} data key(s) re-wrapped\n`);
  if (report.stranded.length === 0) {
    io.stdout.write('every secret is under the active key: older keys can be removed\n');
    return 0;
  }
  io.stderr.write(`under a master key no longer configured (unreadable until it is added back): ${report.stranded.join(', ')}\n`);
  return 1;
}

function open(file: string, io: CommandIo): SecretStore {
  let location: SecretStoreLocation;
  try {
    location = readStoreSettings(file, io.env).location;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`${file}: ${err.problems.map((p) => p.message).join('; ')}`);
    throw err;
  }
  return openSecretStore(location);
}
