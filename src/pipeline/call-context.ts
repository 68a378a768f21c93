import type { Clock, Logger } from '../core/index.js';
import type { JsonRpcNotification, JsonRpcRequest, McpParamDeclaration, Params, RequestId } from '../protocol/index.js';

/** How a principal was established: no credential, an API key, a JWT, token introspection, or config (stdio). */
export type PrincipalKind = 'anonymous' | 'api-key' | 'jwt' | 'introspection' | 'config';

/** Who is calling: set by the transport's authentication (src/transport/auth), read by authorization and audit. */
export interface Principal {
  /** Stable id: the key's name, the token's subject (`sub`), or the configured stdio id. */
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly roles: readonly string[];
  /** Verified token claims (JWT, introspection) or the configured ones; absent means none. Never the token itself. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** OAuth scopes the credential carries (`scope`/`scp`); absent means none. */
  readonly scopes?: readonly string[];
}

/** Where a call goes: the upstream and the name the upstream knows it by. */
export interface Route {
  readonly upstream: string;
  readonly kind: 'tool' | 'prompt' | 'resource' | 'completion' | 'list' | 'other';
  /** The client-visible name (namespaced tool or prompt, or resource URI). */
  readonly name: string;
  /** The upstream's own name for it. */
  readonly target: string;
}

/** The path back to the caller: notifications and server→client requests related to this call. */
export interface CallerChannel {
  /** Sends a notification to the caller on this call's stream (progress, log message). */
  notify(message: JsonRpcNotification): void;
  /** Relays a server→client request (sampling, elicitation, roots) and resolves with the caller's result. */
  request(message: Omit<JsonRpcRequest, 'id' | 'jsonrpc'>, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** The least severe log level the caller wants (legacy: logging/setLevel; modern: `_meta` logLevel). */
  readonly logLevel?: string | undefined;
  /** Capabilities the caller declared (legacy: at initialize; modern: per request). */
  readonly capabilities: Readonly<Record<string, unknown>>;
}

/** Mutable per-call facts that policies must share (set once, read by outer policies). */
export interface CallState {
  /** True once anything (progress, a log line, a relayed request) reached the caller: retries are unsafe after that. */
  committed: boolean;
  /** Attempts made upstream, for audit and logs. */
  attempts: number;
  /** Time spent in upstream attempts, summed (set when call events are observed); the rest is what the gateway added. */
  upstreamMs?: number;
}

/** The immutable context of one call through the pipeline; policies derive narrower copies with spread. */
export interface CallContext {
  /** Gateway-wide unique id, on every log line about the call. */
  readonly requestId: string;
  /** The caller's JSON-RPC id. */
  readonly rpcId: RequestId;
  readonly method: string;
  readonly route: Route;
  /** Params as the upstream will receive them (original name, caller's `_meta` without gateway keys). */
  readonly params: Params;
  readonly principal: Principal;
  readonly era: 'legacy' | 'modern';
  readonly sessionId: string | undefined;
  /** Aborted on caller cancel, disconnect, deadline expiry or shutdown. */
  readonly signal: AbortSignal;
  /** Absolute monotonic deadline in ms (Clock.now() scale); Infinity when none. */
  readonly deadline: number;
  readonly clock: Clock;
  /** Bound to request id, session, principal, upstream and tool on first use. */
  readonly log: Logger;
  readonly caller: CallerChannel;
  readonly state: CallState;
  /** The caller's progress token (stripped from `params`); upstream progress is re-mapped onto it. */
  readonly progressToken?: string | number;
  /** The tool's SEP-2243 `x-mcp-header` declarations: dispatch derives a modern upstream's `Mcp-Param-*` headers from them. */
  readonly mcpParams?: readonly McpParamDeclaration[];
  /** Replica chosen by the replica policy; dispatch uses it. */
  readonly replica?: number;
  /** Per-attempt progress hook: a per-attempt timer may extend on progress. */
  readonly onProgress?: () => void;
  /** W3C trace context of this attempt (the gateway's client span): dispatch sends it in `_meta` and HTTP headers. */
  readonly traceCarrier?: Readonly<Record<string, string>>;
}

/** A JSON-RPC result object. */
export type CallResult = Record<string, unknown>;
