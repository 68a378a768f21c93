import type { IncomingHttpHeaders } from 'node:http';
import type { classifyInboundRequest } from '@modelcontextprotocol/server';
import { GatewayError, type GatewayErrorCode } from '../../errors/index.js';
import { META, MODERN_VERSIONS, NAMED_METHODS } from '../../protocol/index.js';
import { checkMcpParamHeaders, decodeHeaderValue, stripOws, type McpParamDeclaration } from '../../protocol/mcp-param.js';

/** A rejection of a modern request; its code's catalogue status is the one the spec assigns. */
export type ModernRejection = GatewayError;

/**
 * The catalogue code of each JSON-RPC code the SDK's classifier rejects with, so its rejections carry
 * `data.code` like every other (an invalid `_meta` envelope, an `Mcp-Name` the SDK finds wrong, …).
 */
const SDK_REJECTIONS: Readonly<Record<number, GatewayErrorCode>> = {
  [-32700]: 'GW_PARSE_ERROR',
  [-32600]: 'GW_INVALID_REQUEST',
  [-32601]: 'GW_METHOD_NOT_FOUND',
  [-32602]: 'GW_INVALID_PARAMS',
  [-32020]: 'GW_HEADER_MISMATCH',
  [-32021]: 'GW_MISSING_CLIENT_CAPABILITY',
  [-32022]: 'GW_UNSUPPORTED_VERSION',
};

/** True when the request claims the 2026-07-28 era (header or `_meta` envelope); the cheap test runs first. */
export function claimsModern(headers: IncomingHttpHeaders, body: Record<string, unknown>): boolean {
  const header = headers['mcp-protocol-version'];
  if (typeof header === 'string' && header >= '2026') return true;
  const params = body.params as { _meta?: Record<string, unknown> } | undefined;
  return params?._meta?.[META.protocolVersion] !== undefined;
}

/**
 * The modern validation ladder, run only for requests that claim the modern era (legacy traffic never
 * pays for it), in the SDK server's order:
 * 1. the SDK's `classifyInboundRequest`: envelope, `MCP-Protocol-Version` and `Mcp-Method` against the body;
 * 2. version support: a revision the gateway does not serve is 400 / -32022 with `data.supported`;
 * 3. the standard headers a request must carry (SEP-2243): `MCP-Protocol-Version`, `Mcp-Method`, and
 *    `Mcp-Name` for `tools/call`, `prompts/get`, `resources/read`, which must decode to the body's
 *    `params.name` / `params.uri` (400 / -32020). Notifications are exempt from this rung.
 * `Mcp-Param-*` headers need the tool's schema: see {@link checkParamHeaders}.
 */
let classifyInbound: typeof classifyInboundRequest | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the SDK's classifier in the background: importing the SDK server costs ~120 ms, which legacy
 * traffic never needs, so it stays off the cold-start path. Modern requests await it (once).
 */
export function preloadModernClassifier(): Promise<void> {
  return (loading ??= import('@modelcontextprotocol/server').then((sdk) => {
    classifyInbound = sdk.classifyInboundRequest;
  }));
}

/** Runs the classifier; call preloadModernClassifier() (and await it) first. */
export function classifyModern(headers: IncomingHttpHeaders, body: unknown): 'legacy' | 'modern' | ModernRejection {
  const version = header(headers, 'mcp-protocol-version');
  const method = header(headers, 'mcp-method');
  const name = header(headers, 'mcp-name');
  const input: Parameters<typeof classifyInboundRequest>[0] = { httpMethod: 'POST', body };
  if (version !== undefined) input.protocolVersionHeader = version;
  if (method !== undefined) input.mcpMethodHeader = method;
  if (name !== undefined) input.mcpNameHeader = name;
  if (!classifyInbound) throw new Error('preloadModernClassifier() must complete before classifyModern()');
  const outcome = classifyInbound(input);
  if (outcome.kind === 'reject') {
    const data = outcome.data;
    const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    return new GatewayError(SDK_REJECTIONS[outcome.code] ?? 'GW_INVALID_REQUEST', outcome.message, fields ? { data: fields } : {});
  }
  if (outcome.kind === 'legacy') return 'legacy';
  const message = body as { id?: unknown; method: string; params?: Record<string, unknown> };
  const claimed = (message.params?._meta as Record<string, unknown> | undefined)?.[META.protocolVersion] ?? version;
  if (typeof claimed !== 'string' || !(MODERN_VERSIONS as readonly string[]).includes(claimed)) {
    const requested = typeof claimed === 'string' ? claimed : 'unknown';
    return new GatewayError('GW_UNSUPPORTED_VERSION', `Unsupported protocol version: ${requested}`, {
      data: { supported: [...MODERN_VERSIONS], requested },
    });
  }
  if (message.id === undefined) return 'modern'; // a notification: no standard-header presence rules
  if (version === undefined)
    return mismatch(
      'MCP-Protocol-Version',
      `the body envelope names protocol version ${claimed} but the required MCP-Protocol-Version header is absent`,
    );
  if (method === undefined)
    return mismatch('Mcp-Method', `the body names method ${message.method} but the required Mcp-Method header is absent`);
  const field = Object.hasOwn(NAMED_METHODS, message.method) ? NAMED_METHODS[message.method] : undefined;
  const value = field === undefined ? undefined : message.params?.[field];
  if (typeof value !== 'string') return 'modern';
  if (name === undefined)
    return mismatch('Mcp-Name', `the body carries params.${field}=${JSON.stringify(value)} but the required Mcp-Name header is absent`);
  const decoded = decodeHeaderValue(name);
  if (decoded === undefined) return mismatch('Mcp-Name', 'the Mcp-Name header carries an invalid Base64 value');
  if (decoded !== value)
    return mismatch(
      'Mcp-Name',
      `the body carries params.${field}=${JSON.stringify(value)} but the Mcp-Name header names ${JSON.stringify(decoded)}`,
    );
  return 'modern';
}

/**
 * SEP-2243 `Mcp-Param-*` check of a modern `tools/call`: each argument the tool's inputSchema annotates
 * with `x-mcp-header` must come with its header, decoding to the same value (400 / -32020 otherwise).
 */
export function checkParamHeaders(
  headers: IncomingHttpHeaders,
  declarations: readonly McpParamDeclaration[],
  args: unknown,
): ModernRejection | undefined {
  if (declarations.length === 0) return undefined;
  const problem = checkMcpParamHeaders(declarations, args, (lower) => header(headers, lower));
  return problem === undefined ? undefined : mismatch(problem.header, problem.detail);
}

/** One request header as a single string with optional whitespace stripped (repeated headers joined). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  return stripOws(Array.isArray(raw) ? raw.join(', ') : raw);
}

function mismatch(headerName: string, detail: string): ModernRejection {
  return new GatewayError('GW_HEADER_MISMATCH', `Bad Request: the request headers and body disagree: ${detail}`, {
    data: { mismatch: { header: headerName, body: detail } },
  });
}
