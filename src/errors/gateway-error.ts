import { ERROR_CODES, type GatewayErrorCode } from './codes.js';

/** Structured details carried in the JSON-RPC error's `data` (always includes `code`). */
export type ErrorData = Record<string, unknown>;

/** An error the gateway itself raises; `code` is stable and documented in docs/errors.md. */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly data: ErrorData | undefined;
  /** True when the failure originated upstream (counts against breakers); the gateway's own rejections are false. */
  readonly upstreamFault: boolean;

  constructor(code: GatewayErrorCode, message: string, options: { data?: ErrorData; cause?: unknown; upstreamFault?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.data = options.data;
    this.upstreamFault = options.upstreamFault ?? false;
  }

  get rpcCode(): number {
    return ERROR_CODES[this.code].rpc;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

/** An error response from an upstream, passed to the caller with code, message and data unchanged. */
export class UpstreamRpcError extends Error {
  readonly rpcCode: number;
  readonly data: unknown;
  readonly hasData: boolean;

  constructor(error: { code: number; message: string; data?: unknown }) {
    super(error.message);
    this.name = 'UpstreamRpcError';
    this.rpcCode = error.code;
    this.hasData = 'data' in error;
    this.data = error.data;
  }

  /** JSON-RPC internal errors and the generic server-error range count as upstream failures; others are the caller's. */
  get upstreamFault(): boolean {
    return this.rpcCode === -32603 || (this.rpcCode <= -32000 && this.rpcCode >= -32099);
  }
}

/** Shorthand constructors for the common cases. */
export const errors = {
  invalidParams: (message: string, data?: ErrorData) => new GatewayError('GW_INVALID_PARAMS', message, data ? { data } : {}),
  methodNotFound: (method: string) => new GatewayError('GW_METHOD_NOT_FOUND', `Method not found: ${method}`, { data: { method } }),
  notFound: (what: string, name: string) => new GatewayError('GW_NOT_FOUND', `Unknown ${what}: ${name}`, { data: { [what]: name } }),
  timeout: (limitMs: number, scope: string) =>
    new GatewayError('GW_TIMEOUT', `Timed out after ${limitMs} ms (${scope})`, { data: { limitMs, scope }, upstreamFault: true }),
  upstreamUnavailable: (upstream: string, reason: string, maybeExecuted: boolean, cause?: unknown) =>
    new GatewayError('GW_UPSTREAM_UNAVAILABLE', `Upstream ${upstream} unavailable: ${reason}`, {
      data: { upstream, maybeExecuted },
      cause,
      upstreamFault: true,
    }),
  cancelled: (reason?: string) => new GatewayError('GW_CANCELLED', reason ? `Cancelled: ${reason}` : 'Cancelled'),
};
