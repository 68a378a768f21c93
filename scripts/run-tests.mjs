#!/usr/bin/env node
// Runs every test file under test/ (or those given) with node's test runner and the tsx loader.
// Usage: node scripts/run-tests.mjs [path-substring ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (name.endsWith('.test.ts')) yield p;
  }
}
const filters = process.argv.slice(2);
const files = [...walk('test')].sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, BREAKWATER_TEST: '1' } },
);
process.exit(result.status ?? 1);
