import { ALLOW, deny, type Guard, type GuardVerdict } from '../guard.js';
import { compilePointer } from '../json-pointer.js';
import { checkPlainArgument } from './argument-check.js';
import type { CodeFinding, CodeRules } from './finding.js';
import { analyzeJavaScript } from './js-analyzer.js';
import { analyzePython } from './python-analyzer.js';
import { analyzeShell } from './shell-analyzer.js';

/** The languages the code guard reads; `argument` is a plain command argument (no shell syntax at all). */
export type CodeLanguage = 'javascript' | 'python' | 'shell' | 'argument';

/** The `code` guard's settings (config defaults filled). */
export interface CodeGuardConfig {
  readonly language?: CodeLanguage | undefined;
  /** A pointer to a sibling argument naming the language (`/language`: js, python, bash, …). */
  readonly languageArg?: string | undefined;
  readonly strict: boolean;
  readonly allowModules: readonly string[];
  readonly denyModules: readonly string[];
  readonly maxLength: number;
  readonly allowLeadingDash: boolean;
}

const ALIASES: Record<string, CodeLanguage> = {
  javascript: 'javascript', js: 'javascript', node: 'javascript', nodejs: 'javascript', typescript: 'javascript', ts: 'javascript', mjs: 'javascript',
  python: 'python', python3: 'python', py: 'python', py3: 'python',
  shell: 'shell', sh: 'shell', bash: 'shell', zsh: 'shell', dash: 'shell',
}; // prettier-ignore

const CACHEABLE_CHARS = 4096;
const CACHE_ENTRIES = 512;

/**
 * The code and shell guard (issue 10 item 4; docs/adr/0015-code-guard-parsers.md): JavaScript parsed with
 * acorn and walked; Python and shell read by tokenizers that follow each language's lexical rules (strings,
 * comments and quoting are never mistaken for code), then checked for dangerous calls and imports; plain
 * command arguments checked for shell metacharacters and option injection. Any finding denies, with the
 * first finding's rule; the reason names the construct, never the code.
 */
export function createCodeGuard(config: CodeGuardConfig): Guard {
  const rules: CodeRules = { strict: config.strict, allowModules: new Set(config.allowModules), denyModules: new Set(config.denyModules) };
  const languagePointer = config.languageArg === undefined ? undefined : compilePointer(config.languageArg);
  const cache = new Map<string, GuardVerdict>();

  const analyze = (language: CodeLanguage, code: string): CodeFinding[] => {
    switch (language) {
      case 'javascript':
        return analyzeJavaScript(code, rules);
      case 'python':
        return analyzePython(code, rules);
      case 'shell':
        return analyzeShell(code, rules);
      case 'argument':
        return checkPlainArgument(code, config.allowLeadingDash);
    }
  };

  const decide = (language: CodeLanguage, code: string): GuardVerdict => {
    const key = `${language}\0${code}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const findings = analyze(language, code);
    const first = findings[0];
    const verdict =
      first === undefined
        ? ALLOW
        : deny(
            first.rule,
            findings.length === 1
              ? first.reason
              : `${first.reason} (and ${findings.length - 1} more finding${findings.length === 2 ? '' : 's'})`,
          );
    if (code.length <= CACHEABLE_CHARS) {
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, verdict);
    }
    return verdict;
  };

  return {
    kind: 'code',
    check({ value, document }) {
      if (typeof value !== 'string') return deny('code.not-a-string', 'expected the code as a string');
      if (value.length > config.maxLength) return deny('code.too-long', `longer than ${config.maxLength} characters`);
      let language = config.language;
      if (languagePointer !== undefined) {
        const named = languagePointer.find(document)[0]?.value;
        const resolved = typeof named === 'string' ? ALIASES[named.trim().toLowerCase()] : undefined;
        if (resolved === undefined && language === undefined)
          return deny(
            'code.unknown-language',
            `the language argument ${config.languageArg} names no language the guard reads (javascript, python, shell)`,
          );
        language = resolved ?? language;
      }
      return decide(language ?? 'shell', value);
    },
  };
}
