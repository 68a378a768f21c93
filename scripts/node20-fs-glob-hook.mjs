// Node 20 shim for @modelcontextprotocol/conformance: its CLI imports `fs.globSync` (Node >= 22 only; used
// solely by `tier-check`). A CJS preload cannot add ESM named exports, so redirect `fs` for that package only.
// Usage: node --import ./scripts/node20-fs-glob-hook.mjs <conformance>/dist/index.js ...
import { register } from 'node:module';

const shim =
  'data:text/javascript,' +
  encodeURIComponent(
    "import fs from 'node:fs'; export * from 'node:fs'; export default fs;" +
      "export const globSync = fs.globSync ?? (() => { throw new Error('fs.globSync needs Node >= 22'); });",
  );

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(spec, ctx, next) {
  if ((spec === 'fs' || spec === 'node:fs') && ctx.parentURL && ctx.parentURL.includes('/conformance/dist/'))
    return { url: ${JSON.stringify(shim)}, shortCircuit: true };
  return next(spec, ctx);
}`),
);
