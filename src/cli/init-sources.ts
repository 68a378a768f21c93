import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** An editor's MCP config file that `init` can start from. */
export interface FoundConfig {
  readonly file: string;
  readonly app: string;
}

/**
 * Where Claude Desktop, Cursor and VS Code keep their MCP servers, project files first: the first one
 * that exists is the one `init` imports. `home` and `appData` come from the environment (tests point
 * them at a scratch folder).
 */
export function candidateConfigs(cwd: string, env: Readonly<Record<string, string | undefined>>): FoundConfig[] {
  const home = env.HOME ?? env.USERPROFILE;
  const list: FoundConfig[] = [
    { file: join(cwd, '.cursor', 'mcp.json'), app: 'Cursor (project)' },
    { file: join(cwd, '.vscode', 'mcp.json'), app: 'VS Code (project)' },
    { file: join(cwd, '.mcp.json'), app: 'Claude Code (project)' },
  ];
  if (home !== undefined)
    list.push(
      { file: join(home, '.config', 'Claude', 'claude_desktop_config.json'), app: 'Claude Desktop' },
      { file: join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json'), app: 'Claude Desktop' },
      { file: join(home, '.cursor', 'mcp.json'), app: 'Cursor' },
      { file: join(home, '.config', 'Code', 'User', 'mcp.json'), app: 'VS Code' },
      { file: join(home, 'Library', 'Application Support', 'Code', 'User', 'mcp.json'), app: 'VS Code' },
    );
  if (env.APPDATA !== undefined)
    list.push(
      { file: join(env.APPDATA, 'Claude', 'claude_desktop_config.json'), app: 'Claude Desktop' },
      { file: join(env.APPDATA, 'Code', 'User', 'mcp.json'), app: 'VS Code' },
    );
  return list;
}

/** The first editor config that exists, if any. */
export function findEditorConfig(cwd: string, env: Readonly<Record<string, string | undefined>>): FoundConfig | undefined {
  return candidateConfigs(cwd, env).find((c) => existsSync(c.file));
}
