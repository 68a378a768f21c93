// The `mcpServers` JSON of Claude Desktop / Cursor / Cline and VS Code's `servers`, accepted unchanged.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

function problemsOf(fn: () => unknown): [string, string][] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => [p.path, p.message]);
  }
  assert.fail('expected a ConfigError');
}

void describe('Claude Desktop / Cursor mcpServers', () => {
  const { config, format, skipped, warnings } = loadConfig(fixture('claude-desktop.json'), { GITHUB_TOKEN: 'ghp_x' });

  void it('converts every enabled server to a native upstream', () => {
    assert.equal(format, 'mcpServers');
    assert.deepEqual(Object.keys(config.upstreams), ['filesystem', 'github', 'linear', 'My-Notes']);
    const fs = config.upstreams.filesystem!;
    assert.equal(fs.transport, 'stdio');
    assert.equal(fs.command, 'npx');
    assert.deepEqual(fs.args, ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop', '/Users/me/Downloads']);
    assert.equal(fs.prefix, 'filesystem');
    assert.equal(config.server.port, 8080, 'native defaults apply around the converted upstreams');
  });

  void it('maps behaviour-changing keys and ignores UI-only ones', () => {
    const github = config.upstreams.github!;
    assert.deepEqual(github.env, { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_x' }, '${NAME} works in mcpServers files');
    assert.deepEqual(github.policies, { timeoutMs: 120_000 }, 'timeout is in seconds');
    assert.deepEqual(github.tools.deny, ['delete_*']);
  });

  void it('infers and maps transports', () => {
    assert.equal(config.upstreams.linear?.transport, 'sse');
    assert.equal(config.upstreams.linear?.headers.Authorization, 'Bearer anonymous');
    assert.equal(config.upstreams['My-Notes']?.transport, 'streamable-http', '"type": "http" is Streamable HTTP');
  });

  void it('reports disabled servers as skipped and other oddities as warnings', () => {
    assert.deepEqual(skipped, [{ name: 'brave.search', reason: 'disabled' }]);
    assert.deepEqual(warnings, [
      'ignored top-level key "globalShortcut" (not part of the mcpServers format)',
      'server "My Notes" is named "My-Notes" (names allow only A-Z a-z 0-9 _ -)',
    ]);
  });
});

void describe('VS Code servers (JSON with comments)', () => {
  void it('converts the servers key, tolerating comments, trailing commas and inputs', () => {
    const { config, format, warnings } = loadConfig(fixture('vscode-mcp.json'), { HOME: '/home/me' });
    assert.equal(format, 'mcpServers');
    assert.deepEqual(warnings, []);
    assert.equal(config.upstreams.memory?.transport, 'stdio');
    assert.deepEqual(config.upstreams.memory?.env, { MEMORY_FILE_PATH: '/home/me/memory.json' });
    assert.equal(config.upstreams.remote?.transport, 'sse');
    assert.equal(config.upstreams.remote?.url, 'http://127.0.0.1:3002/events');
    assert.deepEqual(config.upstreams.remote?.headers, { 'X-Team': 'platform' });
  });
});

void describe('mcpServers problems', () => {
  void it('reports every problem with the path as written in the foreign file', () => {
    assert.deepEqual(
      problemsOf(() => loadConfig(fixture('broken-mcp.json'), {})),
      [
        ['mcpServers.fs.comand', 'unknown key "comand" (did you mean "command"?)'],
        ['mcpServers.remote.type', 'expected one of "stdio", "http", "streamable-http", "sse", got "websocket"'],
        ['mcpServers.files.envFile', 'envFile is not supported: list the variables under env'],
        ['mcpServers.http.type', 'transport streamable-http needs url, not command'],
        ['mcpServers["a b"]', 'name becomes "a-b", which another server already uses; rename one'],
        ['mcpServers["a b"].cwd', 'VS Code variable "${workspaceFolder}" is not supported: use ${env:NAME} or a literal value'],
      ],
    );
  });

  void it('maps native-schema problems back to the foreign keys', () => {
    const doc = { mcpServers: { w: { serverUrl: 'ftp://x', timeout: 1 }, c: { transportType: 'sse', command: 'x' } } };
    assert.deepEqual(
      problemsOf(() => parseConfig(doc, 'mcp.json', {})),
      [
        ['mcpServers.w.serverUrl', 'expected an absolute http:// or https:// URL'],
        ['mcpServers.c.transportType', 'transport sse needs url, not command'],
      ],
    );
  });

  void it('rejects a servers value that is not an object', () => {
    assert.deepEqual(
      problemsOf(() => parseConfig({ servers: [] }, 'mcp.json', {})),
      [['servers', 'expected an object mapping server names to servers']],
    );
  });

  void it('treats a document with native keys as native', () => {
    assert.deepEqual(
      problemsOf(() => parseConfig({ upstreams: {}, mcpServers: {} }, 'x.yaml', {})),
      [
        [
          'mcpServers',
          'unknown key "mcpServers": a config file has one of two shapes: a Breakwater config (server, upstreams, defaults, …) or an mcpServers file as Claude Desktop, Cursor and VS Code write it (only mcpServers / servers); this one mixes them. Move each server under upstreams.<name> (same command/args/env/url), or keep only mcpServers',
        ],
      ],
    );
  });
});
