import { moduleVerdict, type CodeFinding, type CodeRules, type ModuleLists } from './finding.js';
import { PyTokenError, tokenizePython, type PyToken } from './python-tokens.js';

/** Python modules that run processes or code, load native code, or deserialize into code. */
export const PY_MODULES: ModuleLists = {
  always: new Set([
    'subprocess',
    'pty',
    'ctypes',
    'cffi',
    'multiprocessing',
    'importlib',
    'imp',
    'runpy',
    'code',
    'codeop',
    'pickle',
    'cPickle',
    '_pickle',
    'marshal',
    'shelve',
    'dill',
    'builtins',
    '__builtin__',
    'posix',
    'nt',
    '_posixsubprocess',
    'commands',
    'popen2',
  ]),
  network: new Set([
    'socket',
    'ssl',
    'urllib',
    'urllib2',
    'urllib3',
    'http',
    'httplib',
    'requests',
    'httpx',
    'aiohttp',
    'ftplib',
    'smtplib',
    'poplib',
    'imaplib',
    'telnetlib',
    'paramiko',
    'websocket',
    'websockets',
    'xmlrpc',
    'socketserver',
    'asyncio',
  ]),
  filesystem: new Set(['os', 'shutil', 'pathlib', 'glob', 'tempfile', 'io']),
};
/** Builtins that evaluate code or reach arbitrary attributes. */
const EVALUATORS = new Set(['eval', 'exec', 'compile', 'execfile', '__import__', 'breakpoint']);
/** Attribute names of the classic sandbox escapes (walking from any object to builtins or frames). */
const ESCAPES = new Set([
  '__builtins__',
  '__subclasses__',
  '__globals__',
  '__code__',
  '__closure__',
  '__mro__',
  '__bases__',
  '__base__',
  '__getattribute__',
  '__reduce__',
  '__reduce_ex__',
  'f_globals',
  'f_builtins',
  'gi_frame',
  'tb_frame',
  '__loader__',
  '__spec__',
  '_getframe',
]);
/** `os` functions that run processes or replace the interpreter. */
const OS_PROCESS = /^(?:system|popen|popen[234]|exec[lv]p?e?|spawn[lv]p?e?|fork|forkpty|posix_spawnp?|kill|killpg|startfile)$/;

/**
 * Python analysis on a real tokenizer (tree-sitter's WebAssembly grammars are not installed: see the ADR):
 * imports (`import a.b as c`, `from a import b`) checked against the module lists, calls of eval/exec/
 * compile/__import__, `os.system` & co. (also through an alias of `os` or a name imported from it),
 * dunder walks to builtins, and getattr/setattr with a computed name in strict mode. Strings and comments
 * are never code here; f-string fields are. Untokenizable text is a finding.
 */
export function analyzePython(code: string, rules: CodeRules): CodeFinding[] {
  let tokens: PyToken[];
  try {
    tokens = tokenizePython(code);
  } catch (err) {
    return [{ rule: 'code.parse-error', reason: `not valid Python (${err instanceof PyTokenError ? err.message : 'tokenizer failed'})` }];
  }
  const findings: CodeFinding[] = [];
  const add = (rule: string, reason: string) => {
    if (!findings.some((f) => f.rule === rule && f.reason === reason)) findings.push({ rule, reason });
  };
  const osAliases = new Set(['os']);
  const osFunctions = new Map<string, string>();
  const checkModule = (name: string) => {
    const why = moduleVerdict(name, rules, PY_MODULES);
    if (why !== undefined) add('code.dangerous-module', `import of module "${name}": ${why}`);
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'name') continue;
    const prev = tokens[i - 1];
    const atStatementStart = prev === undefined || prev.kind === 'newline' || (prev.kind === 'op' && prev.text === ':');
    if (t.text === 'import' && atStatementStart) {
      i = readImport(tokens, i + 1, (module, alias) => {
        checkModule(module);
        if (module === 'os') osAliases.add(alias ?? 'os');
      });
      continue;
    }
    if (t.text === 'from' && atStatementStart) {
      const { module, next } = dotted(tokens, i + 1);
      if (module !== '') checkModule(module);
      i = next;
      if (tokens[i]?.kind === 'name' && (tokens[i] as { text: string }).text === 'import')
        i = readImport(tokens, i + 1, (name, alias) => {
          if (module === 'os' && OS_PROCESS.test(name)) {
            osFunctions.set(alias ?? name, name);
            add('code.process', `imports os.${name}, which runs a process`);
          }
          if (module !== '' && moduleVerdict(module, rules, PY_MODULES) === undefined) checkModule(`${module}.${name}`);
        });
      continue;
    }
    const afterDot = prev?.kind === 'op' && prev.text === '.';
    const next = tokens[i + 1];
    const called = next?.kind === 'op' && next.text === '(';
    if (ESCAPES.has(t.text)) add('code.introspection-escape', `${t.text} walks to builtins, frames or classes (a sandbox escape)`);
    if (!afterDot && called && EVALUATORS.has(t.text)) add('code.dynamic-eval', `${t.text}() evaluates or imports code`);
    if (!afterDot && called && osFunctions.has(t.text)) add('code.process', `os.${osFunctions.get(t.text)!}() runs a process`);
    if (afterDot && called && OS_PROCESS.test(t.text)) {
      const owner = tokens[i - 2];
      if (owner?.kind === 'name' && osAliases.has(owner.text)) add('code.process', `os.${t.text}() runs a process`);
    }
    if (!afterDot && called && rules.strict && (t.text === 'getattr' || t.text === 'setattr' || t.text === 'delattr')) {
      const second = argumentAfterComma(tokens, i + 2);
      if (second === undefined || second.kind !== 'string')
        add('code.computed-access', `${t.text}() with a computed attribute name hides what is accessed (strict mode)`);
      else if (ESCAPES.has(second.text) || EVALUATORS.has(second.text) || OS_PROCESS.test(second.text))
        add('code.dynamic-eval', `${t.text}() reaches "${second.text}"`);
    }
    if (!afterDot && called && (t.text === 'getattr' || t.text === 'globals' || t.text === 'vars' || t.text === 'locals')) {
      const literal = t.text === 'getattr' ? argumentAfterComma(tokens, i + 2) : undefined;
      if (literal?.kind === 'string' && (ESCAPES.has(literal.text) || EVALUATORS.has(literal.text) || OS_PROCESS.test(literal.text)))
        add('code.dynamic-eval', `getattr() reaches "${literal.text}"`);
    }
  }
  return findings;
}

/** `a.b.c [as x], d` after `import`; calls `found` per module; returns the index after the statement. */
function readImport(tokens: readonly PyToken[], start: number, found: (module: string, alias: string | undefined) => void): number {
  let i = start;
  if (tokens[i]?.kind === 'op' && (tokens[i] as { text: string }).text === '(') i++;
  while (i < tokens.length && tokens[i]!.kind !== 'newline') {
    const { module, next } = dotted(tokens, i);
    i = next;
    let alias: string | undefined;
    if (tokens[i]?.kind === 'name' && (tokens[i] as { text: string }).text === 'as' && tokens[i + 1]?.kind === 'name') {
      alias = (tokens[i + 1] as { text: string }).text;
      i += 2;
    }
    if (module !== '' && module !== '*') found(module, alias);
    if (module === '' && tokens[i]?.kind !== 'newline') i++;
    while (tokens[i]?.kind === 'op' && ',()'.includes((tokens[i] as { text: string }).text)) i++;
  }
  return i;
}

/** A dotted name (relative dots included) from `start`. */
function dotted(tokens: readonly PyToken[], start: number): { module: string; next: number } {
  let i = start;
  let module = '';
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'name' && t.text !== 'import' && t.text !== 'as') module += t.text;
    else if (t.kind === 'op' && (t.text === '.' || t.text === '*')) module += t.text;
    else break;
    i++;
  }
  return { module: module.replace(/^\.+/, ''), next: i };
}

/** The first token of the second argument of a call whose `(` is before `start` (same bracket level). */
function argumentAfterComma(tokens: readonly PyToken[], start: number): PyToken | undefined {
  let level = 0;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'op') continue;
    if ('([{'.includes(t.text)) level++;
    else if (')]}'.includes(t.text)) {
      if (level === 0) return undefined;
      level--;
    } else if (t.text === ',' && level === 0) return tokens[i + 1];
  }
  return undefined;
}
