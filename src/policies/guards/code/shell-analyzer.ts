import type { CodeFinding, CodeRules } from './finding.js';
import { lexShell, ShellSyntaxError, type ShellToken, type ShellWord } from './shell-lexer.js';

const CONTROL = new Set([';', '&', '&&', '||', '|', '|&', '\n', '(', ')', ';;']);
const REDIRECT = new Set(['<', '>', '>>', '>&', '<&', '>|', '<>', '&>', '<<', '<<-', '<<<']);
const INTERPRETERS = /^(?:sh|bash|zsh|dash|ksh|csh|tcsh|fish|busybox|python[0-9.]*|perl|ruby|node|nodejs|php|lua|tclsh)$/;
const EVALUATORS = new Set(['eval', 'source', '.', 'exec']);
const NETWORK = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'telnet',
  'ftp',
  'tftp',
  'nslookup',
  'dig',
  'ping',
]);
const PRIVILEGE = new Set(['sudo', 'su', 'doas', 'pkexec', 'chroot', 'nsenter', 'unshare', 'setcap', 'mount']);
const DESTRUCTIVE = new Set([
  'mkfs',
  'shutdown',
  'reboot',
  'halt',
  'poweroff',
  'init',
  'telinit',
  'wipefs',
  'shred',
  'fdisk',
  'parted',
  'kill',
  'killall',
  'pkill',
  'crontab',
  'systemctl',
]);
/** Words that run the next word as the command. */
const WRAPPERS = new Set([
  'env',
  'nohup',
  'nice',
  'time',
  'command',
  'builtin',
  'stdbuf',
  'ionice',
  'setsid',
  'xargs',
  'timeout',
  'watch',
  'flock',
]);

/**
 * Shell analysis on a quoting-aware lexer (see shell-lexer.ts): each simple command's program (after
 * assignments and wrappers such as env, nohup, xargs) is checked for evaluation (eval, source, exec),
 * piping into an interpreter (`curl … | sh`), privilege changes, destructive commands, a program name that
 * is itself an expansion, `/dev/tcp` redirections, and (strict) network clients; command substitutions are
 * analysed the same way, recursively. Text a shell would reject is a finding.
 */
export function analyzeShell(code: string, rules: CodeRules, depth = 0): CodeFinding[] {
  const findings: CodeFinding[] = [];
  const add = (rule: string, reason: string) => {
    if (!findings.some((f) => f.rule === rule && f.reason === reason)) findings.push({ rule, reason });
  };
  let tokens: ShellToken[];
  try {
    tokens = lexShell(code);
  } catch (err) {
    return [{ rule: 'code.parse-error', reason: `not valid shell (${err instanceof ShellSyntaxError ? err.message : 'lexer failed'})` }];
  }
  if (depth > 8) return [{ rule: 'code.parse-error', reason: 'command substitutions nested too deeply' }];
  let words: ShellWord[] = [];
  let pipedInto = false;
  const finish = (op: string | undefined) => {
    if (words.length > 0) checkCommand(words, pipedInto, rules, add);
    words = [];
    pipedInto = op === '|' || op === '|&';
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'op') {
      if (CONTROL.has(t.text)) finish(t.text);
      else if (REDIRECT.has(t.text)) {
        const target = tokens[i + 1];
        if (target?.kind === 'word') {
          if (/^\/dev\/(?:tcp|udp)\//.test(target.text))
            add('shell.network', `a redirection to ${target.text.split('/').slice(0, 3).join('/')}/… opens a network connection`);
          for (const sub of target.substitutions) findings.push(...analyzeShell(sub, rules, depth + 1));
          i++;
        }
      }
      continue;
    }
    for (const sub of t.substitutions) for (const f of analyzeShell(sub, rules, depth + 1)) add(f.rule, f.reason);
    words.push(t);
  }
  finish(undefined);
  return findings;
}

function checkCommand(
  words: readonly ShellWord[],
  pipedInto: boolean,
  rules: CodeRules,
  add: (rule: string, reason: string) => void,
): void {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!.text)) i++;
  // Wrappers run the next word: skip them and their options (and timeout's duration).
  while (i < words.length) {
    const program = basename(words[i]!.text);
    if (PRIVILEGE.has(program)) add('shell.privilege', `${program} changes privileges or namespaces`);
    if (!WRAPPERS.has(program) && !PRIVILEGE.has(program)) break;
    i++;
    while (
      i < words.length &&
      (words[i]!.text.startsWith('-') ||
        /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!.text) ||
        (program === 'timeout' && /^\d/.test(words[i]!.text)))
    )
      i++;
  }
  const head = words[i];
  if (head === undefined) return;
  if (head.expands || head.substitutions.length > 0)
    return add('shell.dynamic-command', 'the program name is an expansion: what runs cannot be known');
  const program = basename(head.text);
  const args = words.slice(i + 1).map((w) => w.text);
  if (EVALUATORS.has(program) && (program !== 'exec' || args.length > 0)) add('shell.eval', `${program} runs text or files as shell code`);
  if (pipedInto && INTERPRETERS.test(program)) add('shell.pipe-to-interpreter', `output piped into ${program} is run as code`);
  if (INTERPRETERS.test(program) && args.some((a) => a === '-c' || a === '-e' || a === '--eval' || a === '-exec'))
    add('shell.eval', `${program} ${args.find((a) => a.startsWith('-'))} runs a string as code`);
  if (DESTRUCTIVE.has(program) || program.startsWith('mkfs.')) add('shell.destructive', `${program} can destroy data or stop the system`);
  if (
    program === 'rm' &&
    args.some((a) => /^-[a-zA-Z]*[rR]/.test(a) || a === '--recursive') &&
    args.some((a) => /^(?:\/|~|\/\*|\*|\.\.?)\/?$/.test(a) || a === '--no-preserve-root')
  )
    add('shell.destructive', 'rm -r on /, ~, * or the current folder');
  if (program === 'dd' && args.some((a) => a.startsWith('of=/dev/'))) add('shell.destructive', 'dd writing to a device');
  if (program === 'chmod' && args.some((a) => /^[ugoa]*\+[rwx]*s|^[0-7]?[4-7][0-7]{3}$/.test(a)))
    add('shell.privilege', 'chmod setting setuid/setgid');
  if (program === 'find' && args.some((a) => a === '-exec' || a === '-execdir' || a === '-delete'))
    add('shell.eval', `find ${args.find((a) => a.startsWith('-exec') || a === '-delete')} runs commands or deletes`);
  if (rules.strict && NETWORK.has(program)) add('shell.network', `${program} opens network connections (strict mode)`);
  if (rules.denyModules.has(program)) add('shell.denied-command', `${program} is denied by the guard’s denyModules`);
}

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}
