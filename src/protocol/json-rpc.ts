import type { JsonRpcErrorObject } from '../errors/index.js';

export type RequestId = string | number;
export type Params = Record<string, unknown>;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: Params;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Params;
}

export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: RequestId;
  result: Record<string, unknown>;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a well-formed request (has an id and a method). */
export function isRequest(m: unknown): m is JsonRpcRequest {
  return (
    isObject(m) &&
    m.jsonrpc === '2.0' &&
    typeof m.method === 'string' &&
    (typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id))) &&
    (m.params === undefined || isObject(m.params))
  );
}

/** True for a well-formed notification (a method, no id). */
export function isNotification(m: unknown): m is JsonRpcNotification {
  return (
    isObject(m) && m.jsonrpc === '2.0' && typeof m.method === 'string' && !('id' in m) && (m.params === undefined || isObject(m.params))
  );
}

/** True for a response (result or error with an id). */
export function isResponse(m: unknown): m is JsonRpcResponse {
  return isObject(m) && m.jsonrpc === '2.0' && 'id' in m && !('method' in m) && ('result' in m || 'error' in m);
}

/** True for an error response. */
export function isFailure(m: JsonRpcResponse): m is JsonRpcFailure {
  return 'error' in m;
}

/** Builds a success response. */
export function success(id: RequestId, result: Record<string, unknown>): JsonRpcSuccess {
  return { jsonrpc: '2.0', id, result };
}

/** Builds an error response. */
export function failure(id: RequestId | null, error: JsonRpcErrorObject): JsonRpcFailure {
  return { jsonrpc: '2.0', id, error };
}

/** Builds a notification. */
export function notification(method: string, params?: Params): JsonRpcNotification {
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
}
