import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import type { GuardEntryConfig } from '../../../config/index.js';
import { ALLOW, deny, type Guard, type GuardVerdict } from '../guard.js';
import { pathForms } from './path-forms.js';

/** The `path` guard's settings (config defaults filled). */
export type PathGuardConfig = Pick<Extract<GuardEntryConfig, { type: 'path' }>, 'roots' | 'extensions' | 'decodePercent' | 'maxLength'>;

const inside = (root: string, p: string): boolean => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/** The real path of `p`, or of its deepest existing ancestor joined with the rest (a file the tool will create). */
async function realpathOrAncestor(p: string): Promise<{ real: string; exists: boolean }> {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      const real = await realpath(current);
      return { real: rest.length === 0 ? real : join(real, ...rest.reverse()), exists: rest.length === 0 };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A dangling symlink is a link to somewhere: refuse rather than guess where it will point.
      if (code === 'ENOENT' && (await lstat(current).catch(() => undefined))?.isSymbolicLink())
        throw new Error('dangling symlink', { cause: error });
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = dirname(current);
      if (parent === current) throw error;
      rest.push(basename(current));
      current = parent;
    }
  }
}

/**
 * The path guard: every form of the argument (as sent, percent-decoded, NFC/NFKC, Windows separators) is
 * resolved against the first root (relative) or taken as is (absolute), its symlinks resolved (realpath,
 * or the deepest existing ancestor's for a new file), and must land inside one of the roots' real paths;
 * an existing target must be a regular file or a folder; extensions as configured. The check is
 * time-of-check: a symlink swapped in after it is the sandbox's business (docs/guardrails.md).
 */
export function createPathGuard(config: PathGuardConfig): Guard {
  const roots = config.roots.map((r) => resolve(r));
  let realRoots: Promise<string[]> | undefined;
  const extensions = config.extensions?.map((e) => e.toLowerCase());

  /** Where a form really lands, or why it may not be used. */
  async function locate(form: string, reals: string[]): Promise<{ real: string; exists: boolean } | GuardVerdict> {
    const absolute = isAbsolute(form) ? resolve(form) : resolve(roots[0]!, form);
    if (![...roots, ...reals].some((r) => inside(r, absolute))) return deny('path.outside-roots', 'resolves outside the allowed roots');
    let target: { real: string; exists: boolean };
    try {
      target = await realpathOrAncestor(absolute);
    } catch {
      return deny('path.unresolvable', 'cannot be resolved safely (dangling symlink or unreadable folder)');
    }
    if (!reals.some((r) => inside(r, target.real))) return deny('path.symlink-escape', 'a symbolic link leads outside the allowed roots');
    return target;
  }

  /** What the target is: a regular file with an allowed extension, or a folder. */
  async function checkTarget(target: { real: string; exists: boolean }): Promise<GuardVerdict> {
    if (target.exists) {
      const s = await stat(target.real).catch(() => undefined);
      if (s && !s.isFile() && !s.isDirectory()) return deny('path.special-file', 'not a regular file or folder (device, FIFO or socket)');
      if (s?.isDirectory()) return ALLOW;
    }
    if (extensions && !extensions.includes(extname(target.real).toLowerCase()))
      return deny('path.extension', `extension not in ${extensions.join(', ')}`);
    return ALLOW;
  }

  return {
    kind: 'path',
    async check({ value }) {
      if (typeof value !== 'string') return deny('path.not-a-string', 'expected a path string');
      if (value.length === 0) return deny('path.empty', 'empty path');
      if (value.length > config.maxLength) return deny('path.too-long', `longer than ${config.maxLength} characters`);
      const forms = pathForms(value, config.decodePercent);
      if (!('forms' in forms)) return deny(forms.rule, forms.reason);
      realRoots ??= Promise.all(roots.map((r) => realpath(r).catch(() => r)));
      const reals = await realRoots;
      // Containment of every form first, so a traversal is reported as one whatever else is wrong.
      const targets: { real: string; exists: boolean }[] = [];
      for (const form of forms.forms) {
        const located = await locate(form, reals);
        if ('decision' in located) return located;
        targets.push(located);
      }
      for (const target of targets) {
        const verdict = await checkTarget(target);
        if (verdict.decision !== 'allow') return verdict;
      }
      return ALLOW;
    },
  };
}
