import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NdjsonDecoder } from '../../src/upstream/ndjson-decoder.js';
import { SseParser, type SseEvent } from '../../src/upstream/sse-parser.js';

function ndjson(max: number) {
  const lines: string[] = [];
  const big: { bytes: number; head: string; tail: string }[] = [];
  const d = new NdjsonDecoder(max, { line: (l) => lines.push(l), oversized: (bytes, head, tail) => big.push({ bytes, head, tail }) });
  return { d, lines, big };
}

void describe('NdjsonDecoder', () => {
  void it('frames lines across any chunking, keeps multi-byte characters intact, strips CR', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !/[\r\n]/.test(s)),
          { maxLength: 8 },
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (msgs, cuts) => {
          const bytes = Buffer.from(msgs.map((m) => `${m}\r\n`).join(''));
          const { d, lines } = ndjson(1 << 20);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          let at = 0;
          for (const p of [...points, bytes.length]) {
            d.push(bytes.subarray(at, p));
            at = p;
          }
          assert.deepEqual(
            lines,
            msgs.filter((m) => m.length > 0),
          );
        },
      ),
    );
  });

  void it('discards an oversized line as it streams and reports it with head and tail', () => {
    const { d, lines, big } = ndjson(64);
    const long = `{"jsonrpc":"2.0","result":{"text":"${'x'.repeat(500)}"},"id":7}`;
    for (let i = 0; i < long.length; i += 50) d.push(Buffer.from(long.slice(i, i + 50)));
    d.push(Buffer.from('\n{"ok":1}\n'));
    assert.deepEqual(lines, ['{"ok":1}']);
    assert.equal(big.length, 1);
    assert.equal(big[0]!.bytes, long.length);
    assert.ok(big[0]!.head.startsWith('{"jsonrpc"'));
    assert.ok(big[0]!.tail.endsWith('"id":7}'));
  });
});

function sse(max = 1 << 20) {
  const events: SseEvent[] = [];
  const big: number[] = [];
  const p = new SseParser(max, { event: (e) => events.push(e), oversized: (n) => big.push(n) });
  return { p, events, big };
}

void describe('SseParser', () => {
  void it('parses events across chunk boundaries with CRLF, comments, multi-line data and ids', () => {
    const text =
      ': keep-alive\r\nevent: message\r\nid: 1\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata:plain\n\nevent: endpoint\rdata: /m?s=1\r\r';
    for (let size = 1; size <= text.length; size++) {
      const { p, events } = sse();
      for (let i = 0; i < text.length; i += size) p.push(Buffer.from(text.slice(i, i + size)));
      assert.deepEqual(events, [
        { event: 'message', data: '{"a":\n1}', id: '1' },
        { event: 'message', data: 'plain', id: '1' },
        { event: 'endpoint', data: '/m?s=1', id: '1' },
      ]);
      assert.equal(p.lastEventId, '1');
    }
  });

  void it('drops an oversized event and goes on', () => {
    const { p, events, big } = sse(100);
    p.push(Buffer.from(`data: ${'y'.repeat(300)}\n\ndata: small\n\n`));
    assert.deepEqual(
      events.map((e) => e.data),
      ['small'],
    );
    assert.equal(big.length, 1);
  });

  void it('ignores an empty priming event', () => {
    const { p, events } = sse();
    p.push(Buffer.from('id: 5\ndata: \n\n'));
    assert.deepEqual(events, [{ event: 'message', data: '', id: '5' }]);
  });
});
