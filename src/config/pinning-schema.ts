import { z } from 'zod';
import { bool, positiveMs } from './primitives.js';

// Tool-definition pinning (issue 10 item 7; docs/adr/0013-tool-definition-pinning.md): rug-pull protection.
const rules = {
  // A definition that differs from the approved one: hidden and refused until approved, or served and logged.
  onChange: z.enum(['block', 'flag']),
  // A tool first seen after the upstream's first list: approved on sight, or held until approved.
  newTools: z.enum(['trust', 'review']),
  // A description the poisoning scan flags: served and logged, or held until approved.
  poisoning: z.enum(['flag', 'block']),
};

/** One upstream's overrides of the pinning rules. */
const upstreamPinning = z.strictObject({
  enabled: bool().optional(),
  onChange: rules.onChange.optional(),
  newTools: rules.newTools.optional(),
  poisoning: rules.poisoning.optional(),
});

/** The `pinning` section: off unless enabled; pins live in `storage.dir`/pins.db. */
export const pinningSchema = z.strictObject({
  enabled: bool().default(false),
  onChange: rules.onChange.default('block'),
  newTools: rules.newTools.default('trust'),
  poisoning: rules.poisoning.default('flag'),
  // How often a running gateway looks for approvals made by `breakwater pins` in another process.
  pollMs: positiveMs().default(2_000),
  upstreams: z.record(z.string(), upstreamPinning).default({}),
});
