// The `tools/list` entries: scripted tools as described by their script, plus the control tools.
import type { ToolTable } from './behaviour.js';
import type { ToolBehaviour } from './script.js';

/** Names of the control tools (callable always; listed only with `--expose-control`). */
export const CONTROL_TOOLS = { stats: '__stats', reset: '__reset' } as const;

const OPEN_SCHEMA = { type: 'object', additionalProperties: true };

/** Builds the tool definitions once; the script cannot change while the server runs. */
export function toolDefinitions(table: ToolTable, exposeControl: boolean): Record<string, unknown>[] {
  const defs = table.names().map((name) => {
    const b = table.get(name)!.b;
    const def: Record<string, unknown> = {
      name,
      description: b.description ?? `Mock tool (${summary(b)}).`,
      inputSchema: b.inputSchema ?? OPEN_SCHEMA,
    };
    if (b.annotations !== undefined) def.annotations = b.annotations;
    return def;
  });
  if (exposeControl) {
    defs.push({ name: CONTROL_TOOLS.stats, description: 'Mock control: the counters as JSON.', inputSchema: OPEN_SCHEMA });
    defs.push({ name: CONTROL_TOOLS.reset, description: 'Mock control: zero the counters.', inputSchema: OPEN_SCHEMA });
  }
  return defs;
}

// The default description names the scripted faults, which helps when reading a client's tool list.
function summary(b: ToolBehaviour): string {
  const keys = Object.keys(b).filter((k) => !['description', 'inputSchema', 'annotations', 'text'].includes(k));
  return keys.length === 0 ? 'echoes its arguments' : keys.join(', ');
}
