// `breakwater doctor` names unsandboxed stdio upstreams whose tools run code or shell commands.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { warningsFor } from '../../src/cli/doctor-checks.js';
import { parseConfig } from '../../src/config/index.js';

const upstream = (extra: Record<string, unknown>) =>
  parseConfig({ upstreams: { code: { command: 'node', args: ['server.js'], ...extra } } }).config.upstreams.code!;
const tools = [
  { name: 'run_python', description: 'Runs Python code and returns stdout.' },
  { name: 'list_files', description: 'Lists files.' },
];

describe('doctor: sandbox warning', () => {
  it('warns for a stdio upstream with code-running tools and no sandbox, naming them', () => {
    const warnings = warningsFor({ name: 'code', config: upstream({}), state: 'ready', tools });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /unsandboxed stdio upstream whose tools run code or shell commands \(run_python\)/);
  });

  it('is quiet when sandboxed, or when no tool runs code', () => {
    assert.deepEqual(warningsFor({ name: 'code', config: upstream({ sandbox: {} }), state: 'ready', tools }), []);
    const plain = [
      { name: 'read_file', description: 'Reads a file. Use it before running other tools.' },
      { name: 'search', description: 'Full-text search.' },
    ];
    assert.deepEqual(warningsFor({ name: 'code', config: upstream({}), state: 'ready', tools: plain }), []);
  });
});
