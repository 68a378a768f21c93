// The mock's JSON-RPC engine: raw method dispatch for both protocol eras, shared by stdio and HTTP.
import {
  LATEST_LEGACY_VERSION,
  LEGACY_VERSIONS,
  META,
  MODERN_VERSIONS,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from '../../protocol/index.js';
import type { ToolTable } from './behaviour.js';
import { errorFrame, resultFrame } from './frames.js';
import type { MockScript } from './script.js';
import type { Stats } from './stats.js';
import { runToolCall } from './tool-call.js';
import { CONTROL_TOOLS, toolDefinitions } from './tools.js';
import type { Outbound, PeerSession } from './types.js';

const SUPPORTED = [...MODERN_VERSIONS, ...LEGACY_VERSIONS] as string[];
const CAPABILITIES = { tools: { listChanged: true } };
// Modern list results must say how long they may be cached; a mock's answers never should be.
const NO_CACHE = { ttlMs: 0, cacheScope: 'private' };

/** What the engine is built from. */
export interface EngineOptions {
  script: MockScript;
  table: ToolTable;
  stats: Stats;
  exposeControl: boolean;
  /** Ends the process (the `crashAfterCalls` behaviour); flushes the stats file first. */
  crash(): void;
}

/** Answers MCP requests and notifications from any transport. */
export class MockEngine {
  private readonly serverInfo: { name: string; version: string };
  private readonly tools: Record<string, unknown>[];

  constructor(private readonly o: EngineOptions) {
    this.serverInfo = o.script.serverInfo ?? { name: 'breakwater-mock-upstream', version: '1.0.0' };
    this.tools = toolDefinitions(o.table, o.exposeControl);
  }

  /** Handles a request; `signal` aborts a running tool call (HTTP disconnect). Never throws. */
  request(req: JsonRpcRequest, peer: PeerSession, out: Outbound, signal?: AbortSignal): void {
    this.o.stats.method(req.method);
    const meta = req.params?._meta as Record<string, unknown> | undefined;
    const version = meta?.[META.protocolVersion];
    const modern = typeof version === 'string';
    if (modern && !(MODERN_VERSIONS as readonly string[]).includes(version)) {
      return out.final(
        errorFrame(req.id, -32022, `Unsupported protocol version: ${version}`, { supported: SUPPORTED, requested: version }),
        { status: 400 },
      );
    }
    const extra = modern ? { resultType: 'complete', _meta: { [META.serverInfo]: this.serverInfo } } : undefined;
    const reply = (result: Record<string, unknown>, cacheable = false): void =>
      out.final(resultFrame(req.id, modern ? { ...result, ...(cacheable && NO_CACHE), ...extra } : result));
    switch (req.method) {
      case 'initialize':
        return reply(this.initialize(req.params?.protocolVersion));
      case 'server/discover':
        return reply({ supportedVersions: SUPPORTED, capabilities: CAPABILITIES, ...this.instructions() }, true);
      case 'ping':
        return reply({});
      case 'tools/list':
        return reply({ tools: this.tools }, true);
      case 'tools/call':
        return this.callTool(req, peer, out, signal, extra);
      default:
        return out.final(errorFrame(req.id, -32601, `Method not found: ${req.method}`), { status: modern ? 404 : 200 });
    }
  }

  /** Handles a notification: `notifications/cancelled` aborts the running call it names; others are ignored. */
  notification(n: JsonRpcNotification, peer: PeerSession): void {
    this.o.stats.method(n.method);
    if (n.method !== 'notifications/cancelled') return;
    const id = n.params?.requestId;
    if (typeof id === 'string' || typeof id === 'number') peer.running.get(id)?.abort('cancelled');
  }

  private initialize(asked: unknown): Record<string, unknown> {
    const protocolVersion = (LEGACY_VERSIONS as readonly unknown[]).includes(asked) ? asked : LATEST_LEGACY_VERSION;
    return { protocolVersion, capabilities: CAPABILITIES, serverInfo: this.serverInfo, ...this.instructions() };
  }

  private instructions(): Record<string, unknown> {
    return this.o.script.instructions === undefined ? {} : { instructions: this.o.script.instructions };
  }

  private callTool(
    req: JsonRpcRequest,
    peer: PeerSession,
    out: Outbound,
    signal: AbortSignal | undefined,
    extra: Record<string, unknown> | undefined,
  ): void {
    const name = req.params?.name;
    if (typeof name !== 'string') return out.final(errorFrame(req.id, -32602, 'tools/call: params.name must be a string'));
    if (name === CONTROL_TOOLS.stats || name === CONTROL_TOOLS.reset) return this.control(name, req, out, extra);
    const tool = this.o.table.get(name);
    if (tool === undefined) return out.final(errorFrame(req.id, -32602, `Unknown tool: ${name}`));
    runToolCall(tool, req, peer, out, { stats: this.o.stats, crash: this.o.crash, extra }, signal).catch((err: unknown) => {
      out.final(errorFrame(req.id, -32603, `mock-upstream internal error: ${(err as Error).message}`));
    });
  }

  private control(name: string, req: JsonRpcRequest, out: Outbound, extra: Record<string, unknown> | undefined): void {
    if (name === CONTROL_TOOLS.reset) this.reset();
    const snapshot = this.o.stats.snapshot();
    const content = [{ type: 'text', text: JSON.stringify(snapshot) }];
    out.final(resultFrame(req.id, { content, structuredContent: snapshot, ...extra }));
  }

  /** Zeroes the counters and restarts random streams and flap phases (the control channel's reset). */
  reset(): void {
    this.o.stats.reset();
    this.o.table.reset();
  }
}
