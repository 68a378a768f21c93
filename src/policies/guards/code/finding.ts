/** One thing the code guard found: a stable rule id and a reason that names the construct, never the code. */
export interface CodeFinding {
  readonly rule: string;
  readonly reason: string;
}

/** What an analyzer is told: strict mode adds network (and filesystem) modules to the denied ones. */
export interface CodeRules {
  readonly strict: boolean;
  /** Modules allowed although listed as dangerous (exact names, e.g. `http` for a fetch tool). */
  readonly allowModules: ReadonlySet<string>;
  /** Modules denied besides the built-in lists. */
  readonly denyModules: ReadonlySet<string>;
}

/** Why a module is denied, or undefined when it may be imported (the first segment of `a.b` decides too). */
export function moduleVerdict(name: string, rules: CodeRules, lists: ModuleLists): string | undefined {
  const root = name.split(/[./]/)[0] ?? name;
  const bare = name.replace(/^node:/, '');
  if (rules.allowModules.has(bare) || rules.allowModules.has(root)) return undefined;
  if (rules.denyModules.has(bare) || rules.denyModules.has(root)) return 'denied by the guard’s denyModules';
  if (lists.always.has(bare) || lists.always.has(root)) return 'runs processes or code, or escapes the interpreter';
  if (rules.strict && (lists.network.has(bare) || lists.network.has(root))) return 'opens network connections (strict mode)';
  if (rules.strict && (lists.filesystem.has(bare) || lists.filesystem.has(root))) return 'touches the filesystem (strict mode)';
  return undefined;
}

/** A language's dangerous modules: always denied, and denied in strict mode. */
export interface ModuleLists {
  readonly always: ReadonlySet<string>;
  readonly network: ReadonlySet<string>;
  readonly filesystem: ReadonlySet<string>;
}
