import type { CommandDefinition } from '../command.js';

/** `breakwater mock-upstream`: parses its own flags (strict parseArgs, see ./args.ts). */
export const command: CommandDefinition = {
  options: {},
  raw: async (argv) => (await import('./index.js')).runMockUpstream(argv),
  run: () => Promise.resolve(2),
};
