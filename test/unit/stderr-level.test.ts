// Upstream stderr lines are logged at the level their content deserves (issue 8: `Error:` lines were info).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stderrLevel } from '../../src/upstream/stderr-level.js';

void describe('stderrLevel', () => {
  void it('errors, warnings and the rest', () => {
    const cases: [string, string][] = [
      ['Error: ENOENT: no such file or directory, open /x', 'error'],
      ['TypeError: Cannot read properties of undefined', 'error'],
      ['[ERROR] connection refused', 'error'],
      ['2026-12-07T10:00:00.000Z [error] boom', 'error'],
      ['panic: runtime error: index out of range', 'error'],
      ['Traceback (most recent call last):', 'error'],
      ['Uncaught exception in handler', 'error'],
      ['{"level":"error","msg":"db down"}', 'error'],
      ['{"level":50,"msg":"pino error"}', 'error'],
      ['WARN deprecated option --foo', 'warn'],
      ['Warning: something odd', 'warn'],
      ['(node:123) [DEP0040] DeprecationWarning: The punycode module is deprecated', 'info'],
      ['{"level":"info","msg":"hi"}', 'info'],
      ['Secure MCP Filesystem Server running on stdio', 'info'],
      ['Knowledge Graph MCP Server running on stdio', 'info'],
      ['no errors found in 3 files', 'info'],
    ];
    for (const [line, level] of cases) assert.equal(stderrLevel(line), level, line);
  });

  void it('a stack frame keeps the level of the line before it', () => {
    assert.equal(stderrLevel('    at Object.<anonymous> (/srv/index.js:3:9)', 'error'), 'error');
    assert.equal(stderrLevel('    at Object.<anonymous> (/srv/index.js:3:9)', 'info'), 'info');
  });
});
