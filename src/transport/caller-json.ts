import { JsonLimitError, parseJsonWithin } from '../core/index.js';
import { GatewayError } from '../errors/index.js';

/**
 * Parses one caller message (an HTTP body or a stdio line) within `server.limits`, the one place caller
 * JSON enters (docs/adr/0001-json-limits-at-entry.md). Too deep is GW_LIMIT_EXCEEDED naming the setting;
 * invalid JSON is GW_PARSE_ERROR.
 */
export function parseCallerJson(text: string, maxDepth: number, what: 'body' | 'line'): unknown {
  try {
    return parseJsonWithin(text, maxDepth);
  } catch (err) {
    if (err instanceof JsonLimitError && err.limit === 'maxJsonDepth')
      throw new GatewayError('GW_LIMIT_EXCEEDED', `The ${what} is nested deeper than ${maxDepth} levels (server.limits.maxJsonDepth)`, {
        data: { limit: 'server.limits.maxJsonDepth', max: maxDepth },
      });
    throw new GatewayError('GW_PARSE_ERROR', `Parse error: the ${what} is not valid JSON`);
  }
}
