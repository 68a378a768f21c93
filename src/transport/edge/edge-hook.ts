import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpAuthenticator, ResourceMetadata } from '../auth/index.js';
import { methodNotAllowed } from '../http/send-error.js';

/** Runs on every HTTP request before routing: true lets it through, false means it was answered here. */
export type EdgeHook = (req: IncomingMessage, res: ServerResponse, path: string) => boolean | Promise<boolean>;

export interface EdgeHookOptions {
  readonly headers: readonly (readonly [string, string])[];
  /** RFC 9728 metadata, when the gateway publishes it. */
  readonly metadata: ResourceMetadata | undefined;
  /** Paths that need a principal: the MCP endpoint and the legacy SSE paths. */
  readonly protectedPaths: ReadonlySet<string>;
  /** Undefined: no authentication configured (anonymous on loopback). */
  readonly authenticator: HttpAuthenticator | undefined;
}

/**
 * The edge of every request: security headers on every response, the resource metadata document, then
 * authentication of the MCP paths from headers alone, before any body is read (ADR 0020).
 */
export function createEdgeHook(options: EdgeHookOptions): EdgeHook {
  const { headers, metadata, protectedPaths, authenticator } = options;
  return (req, res, path) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    if (metadata !== undefined && metadata.paths.has(path)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        methodNotAllowed(res, 'GET, HEAD');
        return false;
      }
      // Public by design (RFC 9728): any origin may read it, which browser-based MCP clients need.
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(metadata.body),
        'access-control-allow-origin': '*',
        'cache-control': 'public, max-age=300',
      });
      res.end(req.method === 'HEAD' ? undefined : metadata.body);
      return false;
    }
    if (authenticator === undefined || !protectedPaths.has(path)) return true;
    return authenticator.authenticate(req, res);
  };
}
