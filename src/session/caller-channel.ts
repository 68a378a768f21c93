import { GatewayError } from '../errors/index.js';
import type { CallerChannel } from '../pipeline/index.js';
import { logLevelAtLeast, SERVER_TO_CLIENT_METHODS } from '../protocol/index.js';
import type { CallerScope } from './caller-scope.js';

/**
 * The way back to one caller for one call. Log messages are filtered by the caller's level (legacy:
 * session level; modern: none unless the request asked for one); server→client requests are relayed
 * only to legacy callers that declared the capability — the upstream gets a clear error otherwise.
 */
export function callerChannel(scope: CallerScope): CallerChannel {
  return {
    capabilities: scope.capabilities,
    get logLevel() {
      return scope.era === 'modern' ? scope.logLevel : scope.session?.logLevel;
    },
    notify(message) {
      if (message.method === 'notifications/message') {
        const level = typeof message.params?.level === 'string' ? message.params.level : 'info';
        const threshold = scope.era === 'modern' ? scope.logLevel : scope.session?.logLevel;
        if (scope.era === 'modern' && threshold === undefined) return;
        if (threshold !== undefined && !logLevelAtLeast(level, threshold)) return;
      }
      scope.write(message);
    },
    request(message, signal) {
      const capability = SERVER_TO_CLIENT_METHODS[message.method];
      if (scope.era === 'modern' || !scope.session) {
        return Promise.reject(
          new GatewayError('GW_MISSING_CLIENT_CAPABILITY', `${message.method} cannot be relayed to a ${scope.era} caller`, {
            data: { method: message.method },
          }),
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
    },
  };
}
