import { parse, type Node } from 'acorn';
import { moduleVerdict, type CodeFinding, type CodeRules, type ModuleLists } from './finding.js';

/** Node modules that run processes or code, or reach native code (`process.binding` is checked apart). */
export const JS_MODULES: ModuleLists = {
  always: new Set(['child_process', 'vm', 'worker_threads', 'cluster', 'module', 'inspector', 'v8', 'wasi', 'repl', 'trace_events']),
  network: new Set([
    'net',
    'http',
    'https',
    'http2',
    'dgram',
    'dns',
    'tls',
    'undici',
    'axios',
    'node-fetch',
    'got',
    'ws',
    'request',
    'superagent',
  ]),
  filesystem: new Set(['fs', 'fs/promises', 'os']),
};
/** Globals that evaluate strings as code. */
const EVALUATORS = new Set(['eval', 'Function', 'AsyncFunction', 'GeneratorFunction']);
const GLOBAL_OBJECTS = new Set(['globalThis', 'global', 'window', 'self', 'process', 'require', 'module']);
const NETWORK_GLOBALS = new Set(['fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource']);
const PROCESS_MEMBERS = new Set(['binding', '_linkedBinding', 'dlopen', 'kill', 'abort', 'setuid', 'setgid', 'chdir', 'mainModule']);

type AnyNode = Node & Record<string, unknown>;

/**
 * Parses JavaScript with acorn (the latest ECMAScript, module or script) and walks the whole tree for
 * string evaluation (eval, Function, string timers, `constructor.constructor`), imports and requires of
 * dangerous modules (also dynamic `import()` and `require` of a computed name), `process.binding` & co.,
 * computed access to globals, and network globals in strict mode. Text that does not parse is a finding:
 * what cannot be analysed is not allowed.
 */
export function analyzeJavaScript(code: string, rules: CodeRules): CodeFinding[] {
  let ast: Node;
  try {
    ast = parseAny(code);
  } catch (err) {
    return [
      {
        rule: 'code.parse-error',
        reason: `not valid JavaScript (${err instanceof SyntaxError ? err.message.replace(/\s*\(\d+:\d+\)$/, '') : 'parse failed'})`,
      },
    ];
  }
  const findings: CodeFinding[] = [];
  const add = (rule: string, reason: string) => {
    if (!findings.some((f) => f.rule === rule && f.reason === reason)) findings.push({ rule, reason });
  };
  const checkModule = (name: string, how: string) => {
    const why = moduleVerdict(name, rules, JS_MODULES);
    if (why !== undefined) add('code.dangerous-module', `${how} of module "${name}": ${why}`);
  };
  walk(ast as AnyNode, (node) => {
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration': {
        const source = node.source as AnyNode | null | undefined;
        if (source && typeof source.value === 'string') checkModule(source.value, 'import');
        break;
      }
      case 'ImportExpression': {
        const source = node.source as AnyNode;
        const literal = staticString(source);
        if (literal === undefined) add('code.dynamic-import', 'import() of a computed module name');
        else checkModule(literal, 'import()');
        break;
      }
      case 'CallExpression':
      case 'NewExpression':
        checkCall(node, rules, add, checkModule);
        break;
      case 'MemberExpression':
        checkMember(node, add);
        break;
    }
  });
  return findings;
}

function checkCall(
  node: AnyNode,
  rules: CodeRules,
  add: (rule: string, reason: string) => void,
  checkModule: (name: string, how: string) => void,
): void {
  const callee = node.callee as AnyNode;
  const args = node.arguments as AnyNode[];
  const name = calleeName(callee);
  if (name === undefined) return;
  if (EVALUATORS.has(name)) return add('code.dynamic-eval', `${name}() evaluates a string as code`);
  if ((name === 'setTimeout' || name === 'setInterval' || name === 'setImmediate') && args[0] && staticString(args[0]) !== undefined)
    return add('code.dynamic-eval', `${name}() with a string evaluates it as code`);
  if (name === 'require' || name === 'module.require' || name === 'process.mainModule.require') {
    const literal = args[0] ? staticString(args[0]) : undefined;
    if (literal === undefined) return add('code.dynamic-import', 'require() of a computed module name');
    return checkModule(literal, 'require');
  }
  if (rules.strict && NETWORK_GLOBALS.has(name)) add('code.network', `${name}() opens a network connection (strict mode)`);
}

function checkMember(node: AnyNode, add: (rule: string, reason: string) => void): void {
  const object = node.object as AnyNode;
  const property = memberName(node);
  if (property === 'constructor' && object.type === 'MemberExpression' && memberName(object) === 'constructor')
    add('code.dynamic-eval', 'constructor.constructor reaches Function (evaluates strings as code)');
  if (object.type === 'Identifier' && object.name === 'process' && property !== undefined && PROCESS_MEMBERS.has(property))
    add('code.process-control', `process.${property} reaches native code or controls processes`);
  if (object.type === 'Identifier' && GLOBAL_OBJECTS.has(object.name as string)) {
    if (node.computed === true && property === undefined)
      add('code.computed-access', `${object.name as string}[…] with a computed key hides what is accessed`);
    else if (property !== undefined && EVALUATORS.has(property))
      add('code.dynamic-eval', `${object.name as string}.${property} evaluates strings as code`);
  }
}

/** The dotted name of a callee (`eval`, `require`, `module.require`, `globalThis.eval` → `eval`). */
function calleeName(callee: AnyNode): string | undefined {
  if (callee.type === 'Identifier') return callee.name as string;
  if (callee.type === 'MemberExpression') {
    const object = callee.object as AnyNode;
    const property = memberName(callee);
    if (property === undefined) return undefined;
    if (object.type === 'Identifier' && GLOBAL_OBJECTS.has(object.name as string) && object.name !== 'module' && object.name !== 'process')
      return property;
    const head = calleeName(object);
    return head === undefined ? undefined : `${head}.${property}`;
  }
  if (callee.type === 'ParenthesizedExpression' || callee.type === 'ChainExpression') return calleeName(callee.expression as AnyNode);
  if (callee.type === 'SequenceExpression') {
    // (0, eval)(code): indirect eval.
    const list = callee.expressions as AnyNode[];
    return list.length > 0 ? calleeName(list[list.length - 1]!) : undefined;
  }
  return undefined;
}

/** A member's property name when static (`a.b`, `a['b']`, a template without expressions). */
function memberName(node: AnyNode): string | undefined {
  const property = node.property as AnyNode;
  if (node.computed !== true) return property.type === 'Identifier' ? (property.name as string) : undefined;
  return staticString(property);
}

/** The value of a string literal or an expression-free template literal; undefined for anything computed. */
function staticString(node: AnyNode): string | undefined {
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && (node.expressions as unknown[]).length === 0) {
    const quasi = (node.quasis as AnyNode[])[0];
    const cooked = (quasi?.value as { cooked?: string } | undefined)?.cooked;
    return typeof cooked === 'string' ? cooked : undefined;
  }
  if (node.type === 'BinaryExpression' && node.operator === '+') {
    const left = staticString(node.left as AnyNode);
    const right = staticString(node.right as AnyNode);
    return left !== undefined && right !== undefined ? left + right : undefined;
  }
  return undefined;
}

function parseAny(code: string): Node {
  const base = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true } as const;
  try {
    return parse(code, { ...base, sourceType: 'module' });
  } catch {
    return parse(code, { ...base, sourceType: 'script' });
  }
}

/** Visits every node of the tree (iteratively: hostile nesting cannot overflow the stack). */
function walk(root: AnyNode, visit: (node: AnyNode) => void): void {
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    for (const key of Object.keys(node)) {
      if (key === 'loc' || key === 'start' || key === 'end') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const v of value) if (v !== null && typeof v === 'object' && typeof (v as AnyNode).type === 'string') stack.push(v as AnyNode);
      } else if (value !== null && typeof value === 'object' && typeof (value as AnyNode).type === 'string') stack.push(value as AnyNode);
    }
  }
}
