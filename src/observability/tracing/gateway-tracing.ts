import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { CallEndEvent, CallStartEvent, Channels } from '../channels.js';
import { callAttributes, spanName } from './mcp-attributes.js';

/** The client span of one upstream attempt: its context to send, and how to end it. */
export interface AttemptSpan {
  /** `traceparent` (+ `tracestate`, `baggage`) of the client span, for `_meta` and HTTP headers. */
  readonly carrier: Readonly<Record<string, string>>;
  /** Ends the span; `errorType` (a `GW_*` code or JSON-RPC code) marks it failed. */
  end(errorType?: string): void;
}

/** Where the app asks for an attempt's client span (absent: tracing off). */
export interface AttemptTracer {
  startAttempt(requestId: string, upstream: string, replica: number, attempt: number): AttemptSpan | undefined;
}

/** The tracing subscriber's settings. */
export interface GatewayTracingOptions {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** Fraction of root calls (no sampled parent) recorded. */
  readonly sampleRatio: number;
  /** Where spans go (OTLP/HTTP in production, in-memory in tests). */
  readonly exporter: SpanExporter;
  /** Export each span as it ends (tests) instead of in batches. */
  readonly simple?: boolean;
}

/** A gateway's tracer: subscribed to its channels, with the attempt hook the app calls. */
export interface GatewayTracing extends AttemptTracer {
  /** Calls with an open server span (bounded by calls in flight). */
  readonly open: number;
  /** Unsubscribes, flushes and shuts the exporter down. */
  shutdown(): Promise<void>;
}

const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

/**
 * OpenTelemetry traces following the MCP semantic conventions (docs/operations.md): a SERVER span per
 * call from `callStart` to `callEnd`, child of the caller's W3C context (`_meta` or HTTP headers); a
 * CLIENT span per upstream attempt, whose context the app sends upstream; retries, hedges and policy
 * decisions as span events. Its own TracerProvider (no global registration, no auto-instrumentation),
 * so two gateways in one process keep their traces apart.
 */
export function createGatewayTracing(channels: Channels, o: GatewayTracingOptions): GatewayTracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.serviceName, 'service.version': o.serviceVersion }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.sampleRatio) }),
    spanProcessors: [o.simple ? new SimpleSpanProcessor({ exporter: o.exporter }) : new BatchSpanProcessor({ exporter: o.exporter })],
  });
  const tracer: Tracer = provider.getTracer('breakwater', o.serviceVersion);
  const calls = new Map<string, { span: Span; context: Context; name: string; attributes: Attributes }>();

  const start = (e: CallStartEvent) => {
    const parent = e.trace === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, e.trace, defaultTextMapGetter);
    const name = spanName(e.method, e.name);
    const attributes = callAttributes(e);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    calls.set(e.requestId, { span, context: trace.setSpan(parent, span), name, attributes });
  };
  const end = (e: CallEndEvent) => {
    const call = calls.get(e.requestId);
    if (!call) return;
    calls.delete(e.requestId);
    const attributes: Attributes = { 'breakwater.outcome': e.outcome, 'breakwater.attempts': e.attempts };
    if (e.upstreamMs !== undefined) attributes['breakwater.upstream_ms'] = e.upstreamMs;
    if (e.errorCode !== undefined) attributes['error.type'] = e.errorCode;
    if (e.outcome === 'tool-error') attributes['error.type'] = 'tool_error';
    call.span.setAttributes(attributes);
    if (e.outcome !== 'ok') call.span.setStatus({ code: SpanStatusCode.ERROR, ...(e.errorCode !== undefined && { message: e.errorCode }) });
    call.span.end();
  };
  const event = (requestId: string | undefined, name: string, attributes: Attributes) => {
    if (requestId !== undefined) calls.get(requestId)?.span.addEvent(name, attributes);
  };

  const offs = [
    channels.callStart.subscribe(start),
    channels.callEnd.subscribe(end),
    channels.retry.subscribe((e) =>
      event(e.requestId, 'retry', { 'breakwater.attempt': e.attempt, 'breakwater.reason': e.reason, 'breakwater.delay_ms': e.delayMs }),
    ),
    channels.hedge.subscribe((e) => event(e.requestId, 'hedge', { 'breakwater.replica': e.replica })),
    channels.rateLimit.subscribe((e) =>
      event(e.requestId, 'rate_limit', { 'breakwater.limit': e.limit, 'breakwater.allowed': e.allowed, 'breakwater.shadow': e.shadow }),
    ),
    channels.authorization.subscribe((e) =>
      event(e.requestId, 'authorization', { 'breakwater.allowed': e.allowed, 'breakwater.rule': e.rule }),
    ),
    channels.guard.subscribe((e) =>
      event(e.requestId, 'guard', {
        'breakwater.guard': e.guard,
        'breakwater.rule': e.rule,
        'breakwater.decision': e.decision,
        'breakwater.mode': e.mode,
        'breakwater.path': e.path,
      }),
    ),
  ];

  return {
    get open() {
      return calls.size;
    },
    startAttempt(requestId, upstream, replica, attempt) {
      const call = calls.get(requestId);
      if (!call) return undefined;
      const attributes: Attributes = {
        ...call.attributes,
        'breakwater.upstream': upstream,
        'breakwater.replica': replica,
        'breakwater.attempt': attempt,
      };
      delete attributes['jsonrpc.request.id']; // the upstream request has its own id
      const span = tracer.startSpan(call.name, { kind: SpanKind.CLIENT, attributes }, call.context);
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(call.context, span), carrier, defaultTextMapSetter);
      return {
        carrier,
        end(errorType) {
          if (errorType !== undefined) {
            span.setAttribute('error.type', errorType);
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
          }
          span.end();
        },
      };
    },
    async shutdown() {
      for (const off of offs) off();
      for (const { span } of calls.values()) span.end();
      calls.clear();
      await provider.shutdown();
    },
  };
}
