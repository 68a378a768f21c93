import type { Attributes } from '@opentelemetry/api';
import type { CallStartEvent } from '../channels.js';

/** `{mcp.method.name} {target}` (the MCP semantic conventions' span name), or the method alone. */
export function spanName(method: string, name: string): string {
  return name === '' ? method : `${method} ${name}`;
}

/**
 * A call's attributes per the OpenTelemetry MCP semantic conventions (`mcp.method.name`,
 * `mcp.session.id`, `jsonrpc.request.id`, `gen_ai.tool.name`, `gen_ai.prompt.name`, `mcp.resource.uri`),
 * plus the gateway's own (`breakwater.*`: upstream, request id, era, principal).
 */
export function callAttributes(e: CallStartEvent): Attributes {
  const a: Attributes = {
    'mcp.method.name': e.method,
    'breakwater.upstream': e.upstream,
    'breakwater.request_id': e.requestId,
    'breakwater.era': e.era,
    'breakwater.principal': e.principal,
  };
  if (e.sessionId !== undefined) a['mcp.session.id'] = e.sessionId;
  if (e.rpcId !== undefined) a['jsonrpc.request.id'] = String(e.rpcId);
  if (e.method === 'tools/call') {
    a['gen_ai.tool.name'] = e.name;
    a['gen_ai.operation.name'] = 'execute_tool';
  } else if (e.method === 'prompts/get') a['gen_ai.prompt.name'] = e.name;
  else if (e.method === 'resources/read') a['mcp.resource.uri'] = e.name;
  return a;
}
