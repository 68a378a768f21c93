import type { UpstreamFacts } from './doctor-checks.js';

/** Tool names and descriptions by which a server shows it runs code or shell commands its caller writes. */
const RUNS_CODE =
  /\b(?:exec(?:ute)?(?:[_ -]?(?:code|command|script|python|js|javascript|shell|sql))?|eval(?:uate)?[_ -]?(?:code|python|js|javascript|expression)|run[_ -]?(?:code|command|script|python|js|javascript|shell|bash|terminal)|shell|bash|terminal|subprocess|python[_ -]?(?:repl|interpreter|code)|code[_ -]?interpreter|command[_ -]?line)\b/i;

/**
 * A warning for a stdio upstream that runs without `sandbox` although its tools take code or shell
 * commands (a prompt-injected call then runs with the gateway's own rights); undefined otherwise.
 */
export function sandboxWarning(facts: UpstreamFacts): string | undefined {
  const { config } = facts;
  if (config.transport !== 'stdio' || config.sandbox?.enabled === true) return undefined;
  const tools = (facts.tools ?? []).filter((t) => RUNS_CODE.test(t.name.replace(/_/g, ' ')) || RUNS_CODE.test(t.description ?? ''));
  if (tools.length === 0) return undefined;
  const names = tools.slice(0, 3).map((t) => t.name);
  return (
    `unsandboxed stdio upstream whose tools run code or shell commands (${names.join(', ')}${tools.length > 3 ? ` and ${tools.length - 3} more` : ''}): ` +
    'a prompt-injected call runs with the gateway’s rights. Add `sandbox: { writable: [...] }` (bubblewrap) and a `code` guard.'
  );
}
