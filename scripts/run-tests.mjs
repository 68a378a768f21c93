#!/usr/bin/env node
// Runs every test file under test/ (or those given) with node's test runner and the tsx loader.
// Two steps: the ordinary suites in parallel (TEST_CONCURRENCY, default 2), then the chaos suites one file
// at a time, so fault injection and load generation never compete with the parallel suites for the CPU.
// Both steps always run; the exit code is non-zero when either failed.
// Usage: node scripts/run-tests.mjs [path-substring ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

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
const isChaos = (f) => f.startsWith(join('test', 'chaos') + sep);
const steps = [
  { name: 'parallel suites', concurrency: process.env.TEST_CONCURRENCY ?? 2, files: files.filter((f) => !isChaos(f)) },
  { name: 'chaos suites (serial)', concurrency: 1, files: files.filter(isChaos) },
].filter((s) => s.files.length > 0);

let failed = 0;
for (const step of steps) {
  if (steps.length > 1) console.log(`\n# ${step.name}: ${step.files.length} file(s), concurrency ${step.concurrency}`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${step.concurrency}`, '--test-reporter=spec', ...step.files],
    { stdio: 'inherit', env: { ...process.env, BREAKWATER_TEST: '1' } },
  );
  if (result.status !== 0) {
    failed++;
    console.error(`# ${step.name} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
