import { VERSION } from '../app/version.js';
import type { CommandDefinition } from './command.js';

/** `breakwater version` (also `--version`, `-v`): the package version and the Node that runs it. */
export const command: CommandDefinition = {
  options: {},
  run: async (_args, io) => {
    io.stdout.write(`breakwater ${VERSION} (node ${process.version})\n`);
    return 0;
  },
};
