import { basename, relative } from 'node:path';

/**
 * How the user ran this CLI, for commands we print: `breakwater` when it came from PATH (npm link, npx,
 * a global install), else `node <path to main.js>` (a clone, where no `breakwater` is on PATH).
 */
export function selfCommand(): string {
  const script = process.argv[1] ?? '';
  if (basename(script) === 'breakwater') return 'breakwater';
  const rel = relative(process.cwd(), script);
  return `node ${rel.startsWith('..') || rel === '' ? script : rel}`;
}
