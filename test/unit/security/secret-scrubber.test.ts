// The value scrubber: known secrets and credential shapes never reach logs or errors on the wire.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { registerSecretValue, scrubSecrets } from '../../../src/core/index.js';
import { GatewayError, toJsonRpcError, UpstreamRpcError } from '../../../src/errors/index.js';
import { createLogger } from '../../../src/observability/logger.js';

const SECRET = 'canary-Zq8vX2-scrubber';

describe('secret scrubber', () => {
  registerSecretValue(SECRET);

  it('replaces known values and credential shapes, leaves ordinary text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const text = `value ${SECRET} key bwk_AbCdEf0123456789 header Bearer abc.def-123456 token ${jwt} plain words`;
    const out = scrubSecrets(text);
    assert.doesNotMatch(out, /canary-Zq8vX2|bwk_AbCd|abc\.def-123456|eyJhbGci/);
    assert.match(out, /Bearer \[redacted\]/);
    assert.match(out, /plain words/);
    assert.equal(scrubSecrets('nothing here'), 'nothing here');
  });

  it('short values are not registered (they would censor ordinary words)', () => {
    registerSecretValue('abc');
    assert.equal(scrubSecrets('abcdef'), 'abcdef');
  });

  it('scrubs errors rendered to the wire, gateway and upstream alike', () => {
    const gw = toJsonRpcError(new GatewayError('GW_INTERNAL', `failed with ${SECRET}`, { data: { detail: `x ${SECRET}` } }));
    const up = toJsonRpcError(new UpstreamRpcError({ code: -32000, message: `bad token ${SECRET}`, data: { echo: SECRET } }));
    assert.doesNotMatch(JSON.stringify([gw, up]), /canary-Zq8vX2/);
    assert.equal((gw.data as { code: string }).code, 'GW_INTERNAL');
  });

  it('scrubs every log line by value, whatever the key', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ level: 'info', destination: sink as never });
    log.info({ note: `with ${SECRET}`, url: 'http://h/?k=bwk_AbCdEf0123456789' }, `message ${SECRET}`);
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /canary-Zq8vX2|bwk_AbCd/);
    assert.match(lines[0]!, /\[redacted\]/);
  });
});
