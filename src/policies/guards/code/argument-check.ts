import type { CodeFinding } from './finding.js';

/** Characters a shell gives meaning to: separators, pipes, redirections, expansions, globs, quotes, escapes. */
const METACHARACTERS = /[;&|<>`$(){}[\]*?~!#'"\\\n\r\t\0]/;

/**
 * A plain command argument (e.g. a file name a tool passes to `git` or `grep`): it must carry no shell
 * metacharacter at all (a server that builds a shell line from it would run them) and, unless allowed, must
 * not start with `-` (option injection such as `--upload-pack=…` or `-exec`).
 */
export function checkPlainArgument(value: string, allowLeadingDash: boolean): CodeFinding[] {
  const found = METACHARACTERS.exec(value);
  const findings: CodeFinding[] = [];
  if (found) {
    const c = found[0];
    const shown = c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : c === '\0' ? 'NUL' : c;
    const substitution = /\$\(|`/.test(value);
    findings.push({
      rule: substitution ? 'argument.command-substitution' : 'argument.metacharacter',
      reason: substitution
        ? 'a command substitution in a plain command argument'
        : `shell metacharacter ${JSON.stringify(shown)} in a plain command argument`,
    });
  }
  if (!allowLeadingDash && value.startsWith('-'))
    findings.push({ rule: 'argument.option-injection', reason: 'a plain argument starting with "-" would be read as an option' });
  return findings;
}
