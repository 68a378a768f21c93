import type { CommandDefinition } from './command.js';

/** One row of the command table: the module is imported only when its command runs (fast start-up). */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<{ readonly command: CommandDefinition }>;
}

/**
 * Every command, in the order `breakwater --help` lists them. Adding a command is one line here plus a
 * module exporting `command: CommandDefinition` (see ADR 0025). One row per line, unformatted, so that
 * concurrent registrations merge as single-line changes.
 */
// prettier-ignore
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'init', summary: 'write a commented starter breakwater.yaml', load: () => import('./init.js') },
  { name: 'serve', summary: 'run the gateway on Streamable HTTP', load: () => import('./serve.js') },
  { name: 'stdio', summary: 'run the gateway as a stdio MCP server (for desktop clients)', load: () => import('./stdio.js') },
  { name: 'demo', summary: 'run the gateway in front of real MCP servers from npm, no config needed', load: () => import('./demo.js') },
  { name: 'check-config', summary: 'validate a config file, listing every problem', load: () => import('./check-config.js') },
  { name: 'doctor', summary: 'start every upstream once and report problems', load: () => import('./doctor.js') },
  { name: 'client', summary: 'list or call the tools of a running gateway', load: () => import('./client.js') },
  { name: 'mock-upstream', summary: 'a scripted MCP server for failure drills', load: () => import('./mock-upstream/command.js') },
  { name: 'secrets', summary: 'set, list, remove or rotate the encrypted secrets of ${secret:NAME}', load: () => import('./secrets.js') },
  { name: 'audit', summary: 'tail, search, verify or export the tamper-evident audit log', load: () => import('./audit.js') },
  { name: 'pins', summary: 'list, diff, approve or reject tool-definition pins (rug-pull protection)', load: () => import('./pins.js') },
  { name: 'keys', summary: 'create, list, revoke or rotate API keys; list or lift authentication blocks', load: () => import('./keys.js') },
  { name: 'authz', summary: 'explain which authorization rule decides a call, and why', load: () => import('./authz.js') },
  { name: 'guard', summary: 'check SQL, paths or URLs with a guard (defaults or a tool’s configured guards)', load: () => import('./guard.js') },
  { name: 'version', summary: 'print the version', load: () => import('./version.js') },
];

/** The table row of `name`, if any. */
export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
