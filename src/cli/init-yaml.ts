import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** A value as a YAML scalar: JSON strings and numbers are valid YAML and never need more quoting rules. */
const q = (v: unknown): string => JSON.stringify(v);

// ${NAME} (the editors' syntax) becomes ${env:NAME}; VS Code's own ${workspaceFolder} etc. stay as written.
const BARE = /\$\{(?!env:|secret:)([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;
const VSCODE = /^(workspaceFolder\w*|userHome|cwd|pathSeparator|file\w*|relativeFile\w*|execPath)$/;
function envRefs(text: string): string {
  return text.replace(BARE, (whole, name: string, dflt: string | undefined) =>
    VSCODE.test(name) ? whole : `\${env:${name}${dflt ?? ''}}`,
  );
}

const HEADER = (file: string, source: string): string[] => [
  `# ${file}: written by \`breakwater init\`${source}`,
  `# Check it:  breakwater check-config ${file}`,
  `# Run it:    breakwater serve --config ${file}   (Streamable HTTP on http://127.0.0.1:8080/mcp)`,
  `#            breakwater stdio --config ${file}   (for Claude Desktop, Cursor, VS Code: see the README)`,
  '# Every key: docs/configuration.md',
  '',
  'server:',
  '  host: 127.0.0.1   # loopback only; use 0.0.0.0 (with authentication) to accept other machines',
  '  port: 8080',
  '',
  'logging:',
  '  level: info       # trace | debug | info | warn | error (override with --log-level)',
  '',
];

/** One server of an editor's `mcpServers` (or VS Code `servers`) file. */
export type EditorServer = Record<string, unknown>;

/** An editor's server name as an upstream name (as the loader renames an mcpServers file's). */
export function upstreamName(name: string): string {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(name)) return name;
  return (
    name
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'server'
  );
}

/** YAML lines of one upstream converted from an editor entry (keys the editors use for their UI are dropped). */
function upstreamLines(name: string, s: EditorServer): string[] {
  const lines = [
    `  ${upstreamName(name)}:${upstreamName(name) === name ? '' : `   # "${name}" in the editor (names allow A-Z a-z 0-9 _ -)`}`,
  ];
  const str = (v: unknown): string => q(typeof v === 'string' ? envRefs(v) : v);
  if (typeof s.command === 'string') lines.push(`    command: ${str(s.command)}`);
  if (Array.isArray(s.args)) lines.push(`    args: [${s.args.map(str).join(', ')}]`);
  const url = s.url ?? s.serverUrl;
  if (typeof url === 'string') lines.push(`    url: ${str(url)}`);
  const type = s.type ?? s.transportType;
  if (typeof type === 'string' && type !== 'stdio') lines.push(`    transport: ${type === 'http' ? 'streamable-http' : type}`);
  for (const key of ['env', 'headers'] as const) {
    const map = s[key];
    if (typeof map !== 'object' || map === null) continue;
    lines.push(`    ${key}:${key === 'env' ? '   # copied as is: better ${env:NAME} or ${secret:NAME} than a token in a file' : ''}`);
    for (const [k, v] of Object.entries(map)) lines.push(`      ${q(k)}: ${str(v)}`);
  }
  if (typeof s.cwd === 'string') lines.push(`    cwd: ${str(s.cwd)}`);
  if (typeof s.timeout === 'number') lines.push('    policies:', `      timeoutMs: ${Math.round(s.timeout * 1000)}`);
  if (s.disabled === true) lines.push('    enabled: false   # disabled in the editor');
  return lines;
}

/** A commented breakwater.yaml with the servers of an editor config. */
export function yamlFromEditor(servers: Readonly<Record<string, EditorServer>>, from: string, file: string): string {
  const lines = [
    ...HEADER(file, ` from ${from}`),
    '# Each upstream is one MCP server; its tools are exposed as <name>__<tool>.',
    'upstreams:',
  ];
  for (const [name, s] of Object.entries(servers)) lines.push(...upstreamLines(name, s));
  return `${lines.join('\n')}\n`;
}

function serverEntry(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'index.js');
}

/**
 * The starter: the demo's servers (installed with Breakwater, so nothing is fetched) with the paths of
 * this machine, and the `npx` form to use elsewhere in a comment.
 */
export function starterYaml(folder: string, file: string): string {
  const node = process.execPath;
  return `${[
    ...HEADER(file, ' (starter: the servers of `breakwater demo`)'),
    '# Each upstream is one MCP server; its tools are exposed as <name>__<tool> (everything__echo, fs__read_text_file).',
    '# These run the servers installed with Breakwater; elsewhere use e.g.',
    '#   command: npx',
    '#   args: ["-y", "@modelcontextprotocol/server-everything", "stdio"]',
    'upstreams:',
    '  everything:          # the MCP reference server: echo, add, sampling, resources, prompts',
    `    command: ${q(node)}`,
    `    args: [${q(serverEntry('@modelcontextprotocol/server-everything'))}, "stdio"]`,
    '  fs:                  # read and write files, only inside the folder given',
    `    command: ${q(node)}`,
    `    args: [${q(serverEntry('@modelcontextprotocol/server-filesystem'))}, ${q(folder)}]`,
    '  memory:              # a small knowledge graph kept in a file',
    `    command: ${q(node)}`,
    `    args: [${q(serverEntry('@modelcontextprotocol/server-memory'))}]`,
    '    env:',
    `      MEMORY_FILE_PATH: ${q(join(folder, 'memory.jsonl'))}`,
    '',
    '# A remote server over Streamable HTTP, with a token from the environment:',
    '#  search:',
    '#    url: https://search.example.com/mcp',
    '#    headers:',
    '#      Authorization: "Bearer ${env:SEARCH_TOKEN}"',
    '#    policies:',
    '#      timeoutMs: 10000',
  ].join('\n')}\n`;
}
