import { existsSync } from 'node:fs';
import { pinningRules } from '../app/pinning-wiring.js';
import { ConfigError, formatProblem, loadConfig, storagePath, type BreakwaterConfig } from '../config/index.js';
import { approvePin, pinDiff, rejectPin, short, type PinRecord, type PinStore } from '../policies/pinning/index.js';
import { SqlitePinStore } from '../store/sqlite/sqlite-pin-store.js';
import { CliError, str, type CommandDefinition, type CommandIo } from './command.js';
import { secretOpener } from '../app/secret-wiring.js';

/**
 * `breakwater pins list|diff|approve|reject [UPSTREAM [TOOL]]`: the tool-definition pins of a gateway's
 * config (its `storage.dir`/pins.db). A running gateway sees approvals within `pinning.pollMs`.
 */
export const command: CommandDefinition = {
  description:
    'Tool-definition pins (rug-pull protection): list them, show what changed since approval, approve or reject ' +
    'the definition an upstream serves now. Without TOOL, approve and reject act on every pending tool of UPSTREAM.',
  positionals: { usage: 'list|diff|approve|reject [UPSTREAM [TOOL]]', min: 1, max: 3, choices: ['list', 'diff', 'approve', 'reject'] },
  options: { config: { type: 'string', short: 'c', value: 'FILE', help: 'the gateway config', default: 'breakwater.yaml' } },
  examples: ['breakwater pins list', 'breakwater pins diff github', 'breakwater pins approve github create_issue --config gw.yaml'],
  exitCodes: { 1: 'nothing matched (no such pin, nothing pending) or the config is invalid' },
  run: async (args, io) => {
    const [action, upstream, tool] = args.positionals;
    if ((action === 'approve' || action === 'reject') && upstream === undefined)
      throw new CliError(`breakwater pins ${action}: name the UPSTREAM (and optionally the TOOL); see breakwater pins list`, 2);
    const file = str(args, 'config') ?? 'breakwater.yaml';
    const config = load(file, io);
    const path = storagePath(config, file, 'pins.db');
    if (!existsSync(path)) {
      io.stdout.write(`no pins yet (${path} does not exist: enable pinning and start the gateway once)\n`);
      return action === 'list' || action === 'diff' ? 0 : 1;
    }
    const store = new SqlitePinStore(path);
    try {
      const pins = (await store.list(upstream)).filter((p) => tool === undefined || p.tool === tool);
      if (action === 'list') return list(pins, config, io);
      if (action === 'diff') return diff(pins, io);
      return await decide(
        store,
        action === 'approve' ? approvePin : rejectPin,
        pins,
        tool !== undefined,
        io,
        `${upstream}${tool ? `/${tool}` : ''}`,
      );
    } finally {
      await store.close();
    }
  },
};

function load(file: string, io: CommandIo): BreakwaterConfig {
  try {
    return loadConfig(file, io.env, { secrets: secretOpener }).config;
  } catch (err) {
    if (err instanceof ConfigError)
      throw new CliError(
        err.kind === 'invalid'
          ? `${file}: invalid config (breakwater check-config ${file} lists the problems)`
          : err.problems[0]
            ? formatProblem(err.problems[0])
            : `${file}: cannot be read`,
      );
    throw err;
  }
}

/** What a pin means now, in words, given the upstream's rules. */
export function pinState(pin: PinRecord, config: BreakwaterConfig): string {
  if (pin.pendingHash !== null && pin.pendingHash === pin.rejectedHash) return 'rejected (blocked)';
  if (pin.approvedHash === null) return 'awaiting approval (blocked)';
  if (pin.pendingHash === null) return 'approved';
  const rules = pinningRules(config, pin.upstream);
  const blocked = rules === undefined || rules.onChange === 'block' || (rules.poisoning === 'block' && pin.findings.length > 0);
  return blocked ? 'changed (blocked)' : 'changed (flagged, served)';
}

function list(pins: readonly PinRecord[], config: BreakwaterConfig, io: CommandIo): number {
  if (pins.length === 0) {
    io.stdout.write('no pins match\n');
    return 1;
  }
  const rows = pins.map((p) => [
    p.upstream,
    p.tool,
    pinState(p, config),
    short(p.approvedHash),
    short(p.pendingHash),
    [p.findings.length > 0 ? `${p.findings.length} finding(s)` : '', p.renamedFrom ? `renamed from ${p.renamedFrom}` : '']
      .filter(Boolean)
      .join('; '),
  ]);
  const head = ['UPSTREAM', 'TOOL', 'STATE', 'APPROVED', 'SERVED', 'NOTES'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows])
    io.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

function diff(pins: readonly PinRecord[], io: CommandIo): number {
  const pending = pins.filter((p) => p.pendingText !== null);
  if (pending.length === 0) io.stdout.write('no changes pending\n');
  for (const pin of pending) {
    io.stdout.write(`${pin.upstream}/${pin.tool}: approved ${short(pin.approvedHash)} → served ${short(pin.pendingHash)}\n`);
    for (const f of pin.findings) io.stdout.write(`  finding: ${f}\n`);
    for (const line of pinDiff(pin)) io.stdout.write(`  ${line}\n`);
  }
  return 0;
}

async function decide(
  store: PinStore,
  act: typeof approvePin,
  pins: readonly PinRecord[],
  one: boolean,
  io: CommandIo,
  what: string,
): Promise<number> {
  const targets = one ? pins : pins.filter((p) => p.pendingHash !== null);
  if (targets.length === 0) {
    io.stderr.write(`${what}: ${one ? 'no such pin' : 'nothing pending'}\n`);
    return 1;
  }
  let failed = 0;
  for (const pin of targets) {
    const result = await act(store, pin.upstream, pin.tool, Date.now());
    (result.ok ? io.stdout : io.stderr).write(`${result.message}\n`);
    if (!result.ok) failed++;
  }
  return failed > 0 ? 1 : 0;
}
