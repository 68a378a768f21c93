import { GatewayError } from '../errors/index.js';
import type { CallerChannel } from '../pipeline/index.js';
import type { JsonRpcNotification, JsonRpcRequest } from '../protocol/index.js';
import { logLevelAtLeast, SERVER_TO_CLIENT_METHODS } from '../protocol/index.js';
import type { CallerScope } from './caller-scope.js';

/**
 * The way back to one caller for one call. Log messages are filtered by the caller's level (legacy:
 * session level; modern: none unless the request asked for one); server→client requests are relayed
 * only to legacy callers that declared the capability — the upstream gets a clear error otherwise
 * (a modern caller's are bridged into InputRequiredResults by dispatch, never sent here).
 * A class, not a literal with closures: one is built per call on the hot path.
 */
class ScopeChannel implements CallerChannel {
  constructor(private readonly scope: CallerScope) {}

  get capabilities(): Readonly<Record<string, unknown>> {
    return this.scope.capabilities;
  }

  get logLevel(): string | undefined {
    return this.scope.era === 'modern' ? this.scope.logLevel : this.scope.session?.logLevel;
  }

  notify(message: JsonRpcNotification): void {
    if (message.method === 'notifications/message') {
      const level = typeof message.params?.level === 'string' ? message.params.level : 'info';
      const threshold = this.logLevel;
      if (this.scope.era === 'modern' && threshold === undefined) return;
      if (threshold !== undefined && !logLevelAtLeast(level, threshold)) return;
    }
    this.scope.write(message);
  }

  request(message: Omit<JsonRpcRequest, 'id' | 'jsonrpc'>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const { scope } = this;
    const capability = SERVER_TO_CLIENT_METHODS[message.method];
    if (scope.era === 'modern' || !scope.session) {
      return Promise.reject(
        // Modern callers' tools/call, prompts/get and resources/read go through the input bridge (router/input-bridge.ts);
        // other calls have no InputRequiredResult to carry the request.
        new GatewayError(
          'GW_MISSING_CLIENT_CAPABILITY',
          `${message.method} cannot be relayed to a ${scope.era} caller outside tools/call, prompts/get and resources/read`,
          {
            data: { method: message.method },
          },
        ),
      );
    }
    if (capability && scope.capabilities[capability] === undefined) {
      return Promise.reject(
        new GatewayError('GW_MISSING_CLIENT_CAPABILITY', `The caller did not declare the ${capability} capability`, {
          data: { method: message.method, capability },
        }),
      );
    }
    return scope.session.request(scope.write, message.method, message.params, signal);
  }
}

/** The caller channel for one call in `scope`. */
export function callerChannel(scope: CallerScope): CallerChannel {
  return new ScopeChannel(scope);
}
