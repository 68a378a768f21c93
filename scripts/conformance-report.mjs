#!/usr/bin/env node
// Judges one conformance run against its committed baseline and prints a one-line summary.
// Usage: node scripts/conformance-report.mjs <label> <results-dir> <run-log> <baseline.yml> <runner-exit-code>
// A scenario fails when the runner's SUMMARY marks it ✗ or any of its checks is FAILURE or WARNING (the
// conformance tool's own baseline semantics). Exit 1 on: an unexpected failure, a stale baseline entry (listed
// but passing, or not run at all), a baseline entry without a `# reason` comment, or a run that never finished.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const [label, resultsDir, runLog, baselineFile, runnerExit] = process.argv.slice(2);
if (!label || !resultsDir || !runLog || !baselineFile) {
  console.error('usage: conformance-report.mjs <label> <results-dir> <run-log> <baseline.yml> <runner-exit-code>');
  process.exit(2);
}

/** Baseline entries (server leg) with their reason comments; entries without one are reported. */
function readBaseline(file) {
  const text = readFileSync(file, 'utf8');
  const entries = (parse(text) ?? {}).server ?? [];
  const reasons = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s*-\s*([^\s#]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (m) reasons.set(m[1], m[2]?.trim() ?? '');
  }
  return { entries: entries.map(String), missingReason: entries.map(String).filter((e) => !reasons.get(e)) };
}

/** Scenario → ✓/✗ from the runner's SUMMARY block (lists every scenario it ran, even crashed ones). */
function readSummary(file) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const block = text.slice(text.lastIndexOf('=== SUMMARY ==='));
  const verdicts = new Map();
  for (const m of block.matchAll(/^([✓✗]) (\S+): \d+ passed, \d+ failed/gm)) verdicts.set(m[2], m[1] === '✓');
  return verdicts;
}

/** Scenario → check statuses, from `<results>/server-<scenario>-<timestamp>/checks.json`. */
function readChecks(dir) {
  const byScenario = new Map();
  if (!existsSync(dir)) return byScenario;
  for (const name of readdirSync(dir)) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(name);
    const file = join(dir, name, 'checks.json');
    if (!m || !existsSync(file)) continue;
    const statuses = JSON.parse(readFileSync(file, 'utf8')).map((c) => c.status);
    byScenario.set(m[1], [...(byScenario.get(m[1]) ?? []), ...statuses]);
  }
  return byScenario;
}

const baseline = readBaseline(baselineFile);
const summary = readSummary(runLog);
const checks = readChecks(resultsDir);
const count = (status) => [...checks.values()].flat().filter((s) => s === status).length;
const failing = [...summary.keys()].filter(
  (s) => !summary.get(s) || (checks.get(s) ?? []).some((st) => st === 'FAILURE' || st === 'WARNING'),
);
const unexpected = failing.filter((s) => !baseline.entries.includes(s));
const stale = baseline.entries.filter((s) => !failing.includes(s));
const finished = summary.size > 0 && (runnerExit === '0' || runnerExit === '1');

console.log(
  `[${label}] checks: ${count('SUCCESS')} passed, ${count('FAILURE')} failed, ${count('WARNING')} warnings | ` +
    `scenarios: ${summary.size} run, ${failing.length} failing (${failing.length - unexpected.length} expected), ${stale.length} stale` +
    (finished ? '' : ` | RUN DID NOT FINISH (exit ${runnerExit})`),
);
for (const s of unexpected) console.log(`  ✗ unexpected failure: ${s}`);
for (const s of stale) console.log(`  ! stale baseline entry (${summary.has(s) ? 'now passing' : 'not run'}): ${s}`);
for (const s of baseline.missingReason) console.log(`  ! baseline entry without a "# reason" comment: ${s}`);
process.exit(finished && unexpected.length === 0 && stale.length === 0 && baseline.missingReason.length === 0 ? 0 : 1);
