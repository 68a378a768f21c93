// Issue 7 item 8: framing of `application/json` response bodies (JsonBody): one compact message, one
// pretty-printed message, or several messages one per line (as the MCP conformance reference server
// streams them), under any chunking; size and depth limits per message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonBody } from '../../src/upstream/json-body.js';

interface Seen {
  messages: unknown[];
  texts: string[];
  oversized: { detail: string; fatal: boolean; head?: string; tail?: string }[];
  ndjson: number;
}

function frame(chunks: (string | Buffer)[], maxBytes = 1_000, maxDepth = 16): Seen {
  const seen: Seen = { messages: [], texts: [], oversized: [], ndjson: 0 };
  const body = new JsonBody(maxBytes, maxDepth, {
    // What deliverJson would do with a text, minus the depth check (tested where it lives).
    deliver: (text) => (seen.texts.push(text), seen.messages.push(JSON.parse(text))),
    message: (parsed) => seen.messages.push(parsed),
    oversized: (detail, fatal, head, tail) => seen.oversized.push({ detail, fatal, head, tail }),
    ndjson: () => seen.ndjson++,
  });
  for (const c of chunks) body.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  body.end();
  return seen;
}

/** Every split of `text` into two chunks (plus one byte at a time). */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const out: Buffer[][] = [[...bytes].map((b) => Buffer.from([b]))];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

const m = (id: number, text = 'é✓') => ({ jsonrpc: '2.0', id, result: { text } });

void describe('JsonBody', () => {
  void it('one compact message (with or without a trailing newline) is one message, not an NDJSON body', () => {
    for (const text of [JSON.stringify(m(1)), `${JSON.stringify(m(1))}\n`, `${JSON.stringify(m(1))}\r\n`]) {
      const seen = frame([text]);
      assert.deepEqual(seen.messages, [m(1)]);
      assert.equal(seen.ndjson, 0);
    }
  });

  void it('several lines are several messages, in order, under every chunking (multi-byte characters intact)', () => {
    const text = `${JSON.stringify(m(1))}\n\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress' })}\r\n${JSON.stringify(m(2))}\n`;
    for (const chunks of splits(text)) {
      const seen = frame(chunks);
      assert.deepEqual(seen.messages, [m(1), { jsonrpc: '2.0', method: 'notifications/progress' }, m(2)]);
      assert.equal(seen.ndjson, 1, 'said once per body');
    }
  });

  void it('messages are handed on as their line completes, before the body ends (an open listen body)', () => {
    const seen: unknown[] = [];
    const body = new JsonBody(1_000, 16, {
      deliver: (t) => seen.push(JSON.parse(t)),
      message: (p) => seen.push(p),
      oversized: () => assert.fail('not oversized'),
      ndjson: () => {},
    });
    body.push(Buffer.from(`${JSON.stringify(m(1))}\n${JSON.stringify(m(2)).slice(0, 5)}`));
    assert.deepEqual(seen, [m(1)]);
  });

  void it('a pretty-printed message is one message, under every chunking', () => {
    const text = JSON.stringify(m(7), null, 2);
    for (const chunks of splits(text)) assert.deepEqual(frame(chunks).messages, [m(7)]);
  });

  void it('one message over the limit abandons the body (fatal), as before', () => {
    const big = JSON.stringify(m(1, 'x'.repeat(2_000)));
    const seen = frame([big.slice(0, 600), big.slice(600)]);
    assert.deepEqual(seen.messages, []);
    assert.equal(seen.oversized.length, 1);
    assert.equal(seen.oversized[0]!.fatal, true);
  });

  void it('an oversized line of an NDJSON body is skipped with its head and tail; the next lines still flow', () => {
    const big = JSON.stringify(m(2, 'x'.repeat(3_000)));
    const text = `${JSON.stringify(m(1))}\n${big}\n${JSON.stringify(m(3))}\n`;
    for (const size of [1, 100, 4096]) {
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const seen = frame(chunks);
      assert.deepEqual(seen.messages, [m(1), m(3)]);
      assert.equal(seen.oversized.length, 1);
      assert.equal(seen.oversized[0]!.fatal, false);
      assert.ok(seen.oversized[0]!.head!.startsWith('{"jsonrpc":"2.0","id":2'));
      assert.ok(seen.oversized[0]!.tail!.endsWith('"}}'));
    }
  });

  void it('a first line nested too deep is handed on as text (deliverJson refuses it) and decides line framing', () => {
    const deep = `{"jsonrpc":"2.0","id":1,"result":${'['.repeat(40)}${']'.repeat(40)}}`;
    const seen: string[] = [];
    const body = new JsonBody(10_000, 16, {
      deliver: (t) => seen.push(t),
      message: () => assert.fail('never parsed here'),
      oversized: () => assert.fail('not oversized'),
      ndjson: () => {},
    });
    body.push(Buffer.from(`${deep}\n${JSON.stringify(m(2))}\n`));
    body.end();
    assert.deepEqual(seen, [deep, JSON.stringify(m(2))]);
  });
});
