// `breakwater init` (issue 8 item 2) and `breakwater client` (item 6) through the built CLI.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, hasStack, MAIN, startGateway } from '../helpers/cli.js';

const MEMORY = new URL('../../node_modules/@modelcontextprotocol/server-memory/dist/index.js', import.meta.url).pathname;

void describe('breakwater init', () => {
  void it('writes a starter that passes check-config, prints the next command, refuses to overwrite without --force', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bw-init-'));
    const env = { ...process.env, HOME: home, APPDATA: undefined };
    try {
      const r = await cli(['init'], { cwd: home, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^wrote breakwater\.yaml: a starter with the demo servers/);
      assert.match(r.stdout, new RegExp(`\\n {2}node \\S*main\\.js check-config breakwater\\.yaml\\n`));
      const text = readFileSync(join(home, 'breakwater.yaml'), 'utf8');
      assert.match(text, /^# breakwater\.yaml: written by `breakwater init`/);
      assert.equal(statSync(join(home, 'breakwater.yaml')).mode & 0o777, 0o600);
      const check = await cli(['check-config', 'breakwater.yaml'], { cwd: home, env });
      assert.equal(check.code, 0, check.stderr);
      assert.equal(check.stdout, 'breakwater.yaml: OK (3 upstreams: everything (stdio), fs (stdio), memory (stdio))\n');
      const again = await cli(['init'], { cwd: home, env });
      assert.equal(again.code, 1);
      assert.equal(
        again.stderr,
        'breakwater init: breakwater.yaml already exists: pass --force to overwrite it, or --output FILE to write elsewhere\n',
      );
      assert.equal(readFileSync(join(home, 'breakwater.yaml'), 'utf8'), text, 'left unchanged');
      assert.equal((await cli(['init', '--force'], { cwd: home, env })).code, 0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  void it('imports the servers of a Claude Desktop config found in the usual place, and a VS Code file given with --from', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bw-init-'));
    const env = { ...process.env, HOME: home, APPDATA: undefined };
    try {
      mkdirSync(join(home, '.config', 'Claude'), { recursive: true });
      writeFileSync(
        join(home, '.config', 'Claude', 'claude_desktop_config.json'),
        JSON.stringify({
          mcpServers: {
            memory: {
              command: process.execPath,
              args: [MEMORY],
              env: { MEMORY_FILE_PATH: join(home, 'm.jsonl'), TOKEN: '${MY_TOKEN:-none}' },
            },
            'My Notes': { command: 'npx', args: ['-y', 'notes-server'], disabled: true },
            remote: { url: 'https://mcp.example.com/mcp', type: 'http' },
          },
          globalShortcut: 'Ctrl+Space',
        }),
      );
      const r = await cli(['init'], { cwd: home, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^wrote breakwater\.yaml: 3 servers from Claude Desktop \S+claude_desktop_config\.json: memory, My Notes, remote/,
      );
      const text = readFileSync(join(home, 'breakwater.yaml'), 'utf8');
      assert.match(text, /"TOKEN": "\$\{env:MY_TOKEN:-none\}"/, "the editors' ${NAME} becomes ${env:NAME}");
      assert.match(text, /My-Notes:.*"My Notes" in the editor/);
      const check = await cli(['check-config', 'breakwater.yaml'], { cwd: home, env });
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /OK \(2 upstreams: memory \(stdio\), remote \(streamable-http\)\)/);

      const vscode = join(home, 'vscode-mcp.json');
      writeFileSync(vscode, JSON.stringify({ servers: { mem: { type: 'stdio', command: process.execPath, args: [MEMORY] } }, inputs: [] }));
      const from = await cli(['init', '--from', vscode, '-o', 'vs.yaml'], { cwd: home, env });
      assert.equal(from.code, 0, from.stderr);
      assert.equal((await cli(['check-config', 'vs.yaml'], { cwd: home, env })).stdout, 'vs.yaml: OK (1 upstream: mem (stdio))\n');
      const missing = await cli(['init', '--from', join(home, 'nope.json'), '-o', 'x.yaml'], { cwd: home, env });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^breakwater init: \S+nope\.json: file not found\n$/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

void describe('breakwater client', () => {
  void it('helps: names the URL and reason, suggests tool names, shows data.code, renders images and structured content, --json, closes its session', async (t) => {
    const closed = await freePort();
    const refused = await cli(['client', 'list', '--url', `http://127.0.0.1:${closed}/mcp`]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `^breakwater client: connect failed: cannot reach http://127\\.0\\.0\\.1:${closed}/mcp: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed} \\(is the gateway running\\?`,
      ),
    );
    assert.equal(hasStack(refused.stderr), false);

    const started = performance.now();
    const gw = await startGateway(['demo', '--port', '0']);
    try {
      await gw.line(/^breakwater: 3 of 3 upstreams ready/, 60_000);
      t.diagnostic(`demo ready in ${Math.round(performance.now() - started)} ms`);
      const echo = await cli(['client', 'call', '--url', gw.url, '--tool', 'echo', '--args', '{"message":"hi"}']);
      assert.equal(echo.code, 1);
      assert.match(
        echo.stderr,
        new RegExp(
          `^breakwater client: tools/call echo failed at ${gw.url}: .*\\(JSON-RPC -32602, data\\.code GW_\\w+\\); did you mean everything__echo\\?\\n$`,
        ),
      );
      const ok = await cli(['client', 'call', '--url', gw.url, '--tool', 'everything__echo', '--args', '{"message":"hi"}']);
      assert.deepEqual([ok.code, ok.stdout], [0, 'Echo: hi\n']);
      const image = await cli(['client', 'call', '--url', gw.url, '--era', 'modern', '--tool', 'everything__get-tiny-image']);
      assert.equal(image.code, 0);
      assert.match(image.stdout, /^\[image image\/png, \d+\.\d kB\]$/m);
      assert.doesNotMatch(image.stdout, /iVBOR/, 'no base64 on the terminal');
      const structured = await cli([
        'client',
        'call',
        '--url',
        gw.url,
        '--tool',
        'everything__get-structured-content',
        '--args',
        '{"location":"New York"}',
      ]);
      assert.match(structured.stdout, /\nstructured content:\n\{\n {2}"temperature"/);
      const json = await cli(['client', 'call', '--url', gw.url, '--json', '--tool', 'everything__echo', '--args', '{"message":"x"}']);
      assert.deepEqual((JSON.parse(json.stdout) as { content: unknown }).content, [{ type: 'text', text: 'Echo: x' }]);
      const list = await cli(['client', 'list', '--url', gw.url, '--json']);
      assert.ok((JSON.parse(list.stdout) as { name: string }[]).some((x) => x.name === 'fs__read_text_file'));
      // Each legacy command above opened a session; each closed it with DELETE on the way out.
      const ready = (await (await fetch(new URL('/readyz', gw.url))).json()) as { sessions?: number; details?: { sessions?: number } };
      assert.equal(ready.sessions ?? ready.details?.sessions, 0, JSON.stringify(ready));
      // `client list | head -1`: the reader goes away; the CLI ends quietly (no EPIPE trace).
      const { spawn } = await import('node:child_process');
      const proc = spawn(process.execPath, [MAIN, 'client', 'list', '--url', gw.url], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout.destroy();
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => proc.once('close', resolve));
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
    } finally {
      assert.equal(await gw.stop(), 0);
    }
  });
});

/** A port nothing listens on (bound once, then closed). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
