import type { IncomingHttpHeaders } from 'node:http';
import { classifyInboundRequest } from '@modelcontextprotocol/server';
import { META } from '../../protocol/index.js';

/** A rejection of a modern request, with the HTTP status the spec assigns. */
export interface ModernRejection {
  readonly status: number;
  readonly error: { code: number; message: string; data?: unknown };
}

/** True when the request claims the 2026-07-28 era (header or `_meta` envelope); the cheap test runs first. */
export function claimsModern(headers: IncomingHttpHeaders, body: Record<string, unknown>): boolean {
  const header = headers['mcp-protocol-version'];
  if (typeof header === 'string' && header >= '2026') return true;
  const params = body.params as { _meta?: Record<string, unknown> } | undefined;
  return params?._meta?.[META.protocolVersion] !== undefined;
}

/**
 * The SDK's dual-era validation ladder (envelope, Mcp-Method / Mcp-Name against the body, version
 * support, removed methods), used only for requests that claim the modern era: legacy traffic never
 * pays for it.
 */
export function classifyModern(headers: IncomingHttpHeaders, body: unknown): 'legacy' | 'modern' | ModernRejection {
  const str = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(', ') : h);
  const input: Parameters<typeof classifyInboundRequest>[0] = { httpMethod: 'POST', body };
  const version = str(headers['mcp-protocol-version']);
  const method = str(headers['mcp-method']);
  const name = str(headers['mcp-name']);
  if (version !== undefined) input.protocolVersionHeader = version;
  if (method !== undefined) input.mcpMethodHeader = method;
  if (name !== undefined) input.mcpNameHeader = name;
  const outcome = classifyInboundRequest(input);
  if (outcome.kind === 'reject') {
    const error =
      outcome.data === undefined
        ? { code: outcome.code, message: outcome.message }
        : { code: outcome.code, message: outcome.message, data: outcome.data };
    return { status: outcome.httpStatus, error };
  }
  return outcome.kind;
}
