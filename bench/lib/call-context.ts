import { silentLogger, systemClock } from '../../src/core/index.js';
import type { CallContext } from '../../src/pipeline/index.js';

/**
 * A CallContext for the in-process cost benches: an anonymous legacy call with no deadline, a silent log
 * and a caller that accepts everything; `fields` override. Fresh state and signal on every call.
 */
export function benchContext(fields: Pick<CallContext, 'route' | 'params'> & Partial<CallContext>): CallContext {
  return {
    requestId: 'r',
    rpcId: 1,
    method: 'tools/call',
    principal: { id: 'a', kind: 'anonymous', roles: [] },
    era: 'legacy',
    sessionId: undefined,
    signal: new AbortController().signal,
    deadline: Infinity,
    clock: systemClock,
    log: silentLogger,
    caller: { notify() {}, request: async () => ({}), capabilities: {} },
    state: { committed: false, attempts: 0 },
    ...fields,
  };
}
