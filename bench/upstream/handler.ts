// The bench upstream's JSON-RPC logic, shared by the HTTP and stdio front ends.
// Deliberately raw (no SDK, no validation library): it is the reference the gateway is measured against,
// so its own cost per call must stay close to the cost of JSON.parse + JSON.stringify.

/** A JSON-RPC message as it arrives; only the fields the upstream reads. */
export interface IncomingMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** Protocol versions this upstream answers with; the first is used when the client asks for another. */
export const SUPPORTED_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;

const SERVER_INFO = { name: 'breakwater-bench-upstream', version: '1.0.0' };

const ECHO_TOOL = {
  name: 'echo',
  description: 'Returns its text argument unchanged.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
};
const TOOLS_LIST_RESULT = { tools: [ECHO_TOOL] };

/** True when the message is a request (has a method and an id), false for notifications and responses. */
export function isRequest(msg: IncomingMessage): boolean {
  return typeof msg.method === 'string' && msg.id !== undefined && msg.id !== null;
}

/** Answers one request with the serialised JSON-RPC response text; never throws. */
export function handleRequest(msg: IncomingMessage): string {
  const id = msg.id as string | number;
  switch (msg.method) {
    case 'tools/call':
      return callTool(id, msg.params);
    case 'ping':
      return result(id, {});
    case 'tools/list':
      return result(id, TOOLS_LIST_RESULT);
    case 'initialize':
      return result(id, initializeResult(msg.params));
    default:
      return error(id, -32601, `Method not found: ${String(msg.method)}`);
  }
}

function callTool(id: string | number, params: unknown): string {
  const p = params as { name?: unknown; arguments?: { text?: unknown } } | undefined;
  if (p?.name !== 'echo') return error(id, -32602, `Unknown tool: ${String(p?.name)}`);
  const text = p.arguments?.text;
  if (typeof text !== 'string') return error(id, -32602, 'echo: argument "text" must be a string');
  // Hand-built so the (possibly 64 KB) text is escaped once and no result object is allocated.
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":${JSON.stringify(text)}}]}}`;
}

function initializeResult(params: unknown): object {
  const asked = (params as { protocolVersion?: unknown } | undefined)?.protocolVersion;
  const protocolVersion = SUPPORTED_VERSIONS.find((v) => v === asked) ?? SUPPORTED_VERSIONS[0];
  return { protocolVersion, capabilities: { tools: { listChanged: false } }, serverInfo: SERVER_INFO };
}

/** Serialises a JSON-RPC success response. */
export function result(id: string | number, value: object): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(value)}}`;
}

/** Serialises a JSON-RPC error response (id null when the request's id is unknown). */
export function error(id: string | number | null, code: number, message: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":{"code":${code},"message":${JSON.stringify(message)}}}`;
}
