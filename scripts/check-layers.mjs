#!/usr/bin/env node
// Reports imports under src/ that break the layer rules of shared/ARCHITECTURE.md §3.
// Usage: node scripts/check-layers.mjs [repo-root]   (exit 1 when a rule is broken). Mirrors ../shared/tools/check-layers.mjs so CI enforces it without shared/.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const src = join(root, 'src');
if (!existsSync(src)) { console.log('check-layers: no src/ yet'); process.exit(0); }

// For each top-level folder of src/: the top-level folders it must never import.
const never = {
  core: ['*'],
  errors: ['*', '!core'],
  protocol: ['*', '!core', '!errors'],
  pipeline: ['transport', 'session', 'policies', 'router', 'upstream', 'store', 'app', 'cli', 'admin'],
  policies: ['transport', 'session', 'router', 'upstream', 'app', 'cli', 'admin'],
  router: ['transport', 'session', 'policies', 'app', 'cli', 'admin'],
  upstream: ['transport', 'session', 'pipeline', 'policies', 'router', 'app', 'cli', 'admin'],
  session: ['transport', 'app', 'cli', 'admin'],
  transport: ['app', 'cli', 'admin'],
  store: ['transport', 'session', 'router', 'upstream', 'app', 'cli', 'admin'],
  observability: ['transport', 'session', 'policies', 'router', 'upstream', 'app', 'cli', 'admin'],
  admin: ['cli'],
  // The shared resilience core (breaker, retry budget, failure classification): policies and app use it.
  resilience: ['transport', 'session', 'policies', 'router', 'upstream', 'store', 'app', 'cli', 'admin'],
};
const storeImpls = ['memory', 'sqlite', 'postgres', 'redis'];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(m?ts|tsx)$/.test(name) && !/\.(test|spec)\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}
const top = (file) => relative(src, file).split(sep);
const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const problems = [];
for (const file of walk(src)) {
  const [layer, sub] = top(file);
  const rules = never[layer];
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (!spec || !spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    const rel = relative(src, target);
    if (rel.startsWith('..')) continue;
    const [tLayer, tSub] = rel.split(sep);
    if (tLayer === layer) {
      if (layer === 'policies' && sub && tSub && sub !== tSub && !sub.includes('.') && !tSub.includes('.'))
        problems.push(`${relative(root, file)} imports ${spec}: a policy must not import another policy`);
      continue;
    }
    if (tLayer === 'store' && storeImpls.includes(tSub ?? '') && !['app', 'cli', 'store'].includes(layer))
      problems.push(`${relative(root, file)} imports ${spec}: only app/ and cli/ choose store implementations`);
    if (!rules) continue;
    const banned = rules.includes('*') ? !rules.includes('!' + tLayer) : rules.includes(tLayer);
    if (banned) problems.push(`${relative(root, file)} imports ${spec}: ${layer}/ must not import ${tLayer}/`);
  }
}
if (problems.length) {
  console.log(`check-layers: ${problems.length} import(s) against the layer rules:`);
  for (const p of problems) console.log('  ' + p);
  process.exit(1);
}
console.log('check-layers: no layer rule broken');
