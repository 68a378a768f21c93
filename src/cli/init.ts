import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { ConfigError, formatProblem, readSource } from '../config/index.js';
import { CliError, str, type CommandDefinition, type CommandIo, type ParsedCommand } from './command.js';
import { findEditorConfig } from './init-sources.js';
import { selfCommand } from './self-command.js';
import { starterYaml, yamlFromEditor, type EditorServer } from './init-yaml.js';

/** `breakwater init`: writes a commented starter config, from an editor's MCP servers when there are some. */
export const command: CommandDefinition = {
  description:
    'Imports the MCP servers of an existing Claude Desktop, Cursor or VS Code config (--from FILE, or the\n' +
    'first found in the usual places: ./.cursor/mcp.json, ./.vscode/mcp.json, ./.mcp.json,\n' +
    '~/.config/Claude/claude_desktop_config.json, ~/.cursor/mcp.json, ~/.config/Code/User/mcp.json); with\n' +
    'none, writes a starter with the servers of `breakwater demo`. Never overwrites without --force.',
  options: {
    from: { type: 'string', value: 'FILE', help: 'import the mcpServers (or VS Code servers) of this JSON file' },
    starter: { type: 'boolean', help: 'write the demo starter even when an editor config is found' },
    output: { type: 'string', short: 'o', value: 'FILE', help: 'where to write', default: 'breakwater.yaml' },
    force: { type: 'boolean', short: 'f', help: 'overwrite FILE if it exists' },
  },
  examples: [
    'breakwater init',
    'breakwater init --from ~/.config/Claude/claude_desktop_config.json',
    'breakwater init --starter -o demo.yaml',
  ],
  exitCodes: { 1: 'the output exists (use --force) or cannot be written', 2: 'usage error, or --from cannot be read' },
  run: (args, io) => init(args, io),
};

async function init(args: ParsedCommand, io: CommandIo): Promise<number> {
  const output = resolve(str(args, 'output') ?? 'breakwater.yaml');
  const shown = relative(process.cwd(), output) || output;
  if (existsSync(output) && args.values.force !== true)
    throw new CliError(`${shown} already exists: pass --force to overwrite it, or --output FILE to write elsewhere`);
  const given = str(args, 'from');
  if (given !== undefined && args.values.starter === true) throw new CliError('--from and --starter exclude each other', 2);
  const found =
    given !== undefined
      ? { file: given, app: 'the given file' }
      : args.values.starter === true
        ? undefined
        : findEditorConfig(process.cwd(), io.env);
  let text: string;
  let what: string;
  if (found === undefined) {
    text = starterYaml(dirname(output), basename(output));
    what = 'a starter with the demo servers (everything, fs on this folder, memory)';
  } else {
    const servers = editorServers(found.file);
    text = yamlFromEditor(servers, found.file, basename(output));
    const names = Object.keys(servers);
    what = `${names.length} server${names.length === 1 ? '' : 's'} from ${found.app} ${found.file}: ${names.join(', ') || '(none)'}`;
  }
  mkdirSync(dirname(output), { recursive: true });
  // 0600: an imported config may carry tokens in env or headers.
  writeFileSync(output, text, { mode: 0o600 });
  chmodSync(output, 0o600);
  io.stdout.write(
    [`wrote ${shown}: ${what}`, 'next:', `  ${selfCommand()} check-config ${shown}`, `  ${selfCommand()} serve --config ${shown}`, ''].join(
      '\n',
    ),
  );
  return 0;
}

/** The servers map of an editor config (`mcpServers`, or VS Code's `servers`). */
function editorServers(file: string): Record<string, EditorServer> {
  let data: unknown;
  try {
    data = readSource(file).data;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new CliError(err.problems.map(formatProblem).join('; '), 2);
  }
  const doc = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const servers = doc.mcpServers ?? doc.servers;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers))
    throw new CliError(`${file}: no "mcpServers" (or VS Code "servers") object to import; use --starter for the demo servers`, 2);
  return servers as Record<string, EditorServer>;
}
