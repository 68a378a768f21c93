import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES, GatewayError, UpstreamRpcError, toJsonRpcError } from '../../src/errors/index.js';
import { errorTable } from '../../scripts/gen-errors-doc.js';

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the codes of src/errors/codes.ts', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(errorTable()), 'docs/errors.md is stale: run node --import tsx scripts/gen-errors-doc.ts');
    const documented = [...doc.matchAll(/^\| `(GW_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(ERROR_CODES).sort());
  });

  it('maps gateway errors with their stable code and upstream errors verbatim', () => {
    const gw = toJsonRpcError(new GatewayError('GW_OVERLOADED', 'busy', { data: { retryAfterMs: 5 } }));
    assert.deepEqual(gw, { code: -32000, message: 'busy', data: { code: 'GW_OVERLOADED', retryAfterMs: 5 } });
    const up = toJsonRpcError(new UpstreamRpcError({ code: -32602, message: 'Prompt X not found', data: { a: 1 } }));
    assert.deepEqual(up, { code: -32602, message: 'Prompt X not found', data: { a: 1 } });
    assert.deepEqual(toJsonRpcError(new UpstreamRpcError({ code: 7, message: 'm' })), { code: 7, message: 'm' });
    assert.deepEqual(toJsonRpcError(new Error('secret detail')), {
      code: -32603,
      message: 'Internal error',
      data: { code: 'GW_INTERNAL' },
    });
  });
});
