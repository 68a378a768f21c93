import { GatewayError } from './gateway-error.js';

/** What a caller named that the gateway does not serve to it. */
export type UnknownTargetKind = 'tool' | 'prompt' | 'resource' | 'resource-template';

/**
 * The one error for a name the caller cannot reach: it does not exist, or the authorization rules deny
 * it. Both come from here, so a denial is byte-for-byte the error of a nonexistent target and reveals
 * nothing (docs/adr/0011-authorization-rules-and-cel.md). `field` is the parameter that named it.
 */
export function unknownTarget(kind: UnknownTargetKind, name: string, field: string): GatewayError {
  switch (kind) {
    case 'resource':
      return new GatewayError('GW_NOT_FOUND', `Resource not found: ${name}`, { data: { uri: name } });
    case 'resource-template':
      return new GatewayError('GW_INVALID_PARAMS', `Unknown resource template: ${name}`, { data: { field } });
    default:
      return new GatewayError('GW_NOT_FOUND', `Unknown ${kind}: ${name}`, { data: { field, [kind]: name } });
  }
}
