// Edge protection (issue 9 item 7): TLS from config files with HSTS, a renewed certificate picked up
// without a restart, and the connection-level IP deny list. Certificates are made with openssl.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, describe, it } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function makeCert(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** GET /healthz over TLS trusting `ca`: status, headers and the peer certificate's CN. */
function get(url: string, ca: string): Promise<{ status: number; headers: Record<string, unknown>; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/healthz', url), { ca: readFileSync(ca), agent: false }, (res) => {
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject.CN);
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, cn }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends GET /healthz on a raw socket; resolves with what came back before the connection closed. */
function rawGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n'));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => {});
    socket.setTimeout(10_000, () => reject(new Error('the connection stayed open')));
  });
}

void describe('TLS and edge protection', () => {
  void it('serves HTTPS with HSTS and security headers, and reloads a renewed certificate without a restart', async () => {
    const first = makeCert('first');
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    execFileSync('cp', [first.cert, live.cert]);
    execFileSync('cp', [first.key, live.key]);
    const config = parseConfig(
      { server: { port: 0, tls: { certFile: live.cert, keyFile: live.key, reloadCheckMs: 50 } } },
      '<test>',
    ).config;
    const gateway = new Gateway({ config, log: silentLogger });
    await gateway.start();
    try {
      assert.match(gateway.url, /^https:/);
      const a = await get(gateway.url, first.cert);
      assert.equal(a.status, 200);
      assert.equal(a.cn, 'first');
      assert.match(String(a.headers['strict-transport-security']), /max-age=31536000/);
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
      const second = makeCert('second');
      // Renewal as cert tooling does it: new files renamed into place.
      renameSync(second.key, live.key);
      renameSync(second.cert, live.cert);
      const deadline = Date.now() + 10_000;
      let cn = '';
      while (Date.now() < deadline) {
        cn = await get(gateway.url, join(dir, 'live.crt')).then(
          (r) => r.cn,
          () => '',
        );
        if (cn === 'second') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(cn, 'second', 'the renewed certificate is served');
    } finally {
      await gateway.stop();
    }
  });

  void it('a denied address has its connection closed before any request is read', async () => {
    const config = parseConfig({ server: { port: 0, edge: { deny: ['127.0.0.0/8'] } } }, '<test>').config;
    const gateway = new Gateway({ config, log: silentLogger });
    await gateway.start();
    try {
      const answer = await rawGet(Number(new URL(gateway.url).port));
      assert.equal(answer, '', 'closed without a byte of answer');
    } finally {
      await gateway.stop();
    }
    const open = parseConfig({ server: { port: 0, edge: { allow: ['127.0.0.1'] } } }, '<test>').config;
    const allowed = new Gateway({ config: open, log: silentLogger });
    await allowed.start();
    try {
      assert.equal((await fetch(allowed.url.replace(/\/mcp$/, '/healthz'))).status, 200);
    } finally {
      await allowed.stop();
    }
  });
});
