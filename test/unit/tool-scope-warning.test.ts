// Issue 8: docs/reliability.md promises that per-upstream settings written in a tool scope (breaker, retry
// budget, ejection) are "ignored, with a warning at start-up". The compiler built its registry without the
// gateway's logger, so no warning ever appeared; this holds the promise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineCompiler } from '../../src/app/pipeline-compiler.js';
import { parseConfig } from '../../src/config/index.js';
import type { Next } from '../../src/pipeline/index.js';
import { captureLogger } from '../integration/_edge.js';

const terminal = (() => Promise.resolve({})) as unknown as Next;

void describe('tool-scope settings that belong to the whole upstream', () => {
  void it('are reported once each, at start-up, naming the setting', () => {
    const config = parseConfig(
      {
        upstreams: {
          fs: {
            command: 'node',
            toolPolicies: { 'read_*': { breaker: { consecutiveFailures: 2 }, retry: { budgetPercent: 5 }, timeoutMs: 100 } },
          },
        },
      },
      '<unit>',
    ).config;
    const { log, lines } = captureLogger();
    new PipelineCompiler(config, terminal, { log });
    const warned = lines.filter((l) => l.level === 'warn').map((l) => String(l.fields.setting));
    assert.ok(
      warned.some((s) => s.startsWith('upstreams.fs.toolPolicies.read_*.breaker')),
      warned.join(', '),
    );
    assert.ok(
      warned.some((s) => s.startsWith('upstreams.fs.toolPolicies.read_*.retry.budgetPercent')),
      warned.join(', '),
    );
    assert.ok(!warned.some((s) => s.includes('timeoutMs')), 'a tool-scope timeout is honoured, not warned about');
  });

  void it('say nothing when no tool scope sets one', () => {
    const config = parseConfig({ upstreams: { fs: { command: 'node', toolPolicies: { '*': { timeoutMs: 100 } } } } }, '<unit>').config;
    const { log, lines } = captureLogger();
    new PipelineCompiler(config, terminal, { log });
    assert.deepEqual(
      lines.filter((l) => l.level === 'warn'),
      [],
    );
  });
});
