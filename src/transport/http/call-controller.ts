import type { ServerResponse } from 'node:http';
import { GatewayError, toJsonRpcError } from '../../errors/index.js';
import type { RequestId } from '../../protocol/index.js';
import { failure } from '../../protocol/index.js';
import { dropReason } from './edge-response.js';
import type { ResponseStream } from './response-stream.js';

/** Event the HTTP server emits on a call's response when the drain deadline cuts it (with the GatewayError). */
export const DRAIN_CUT_EVENT = 'breakwater:drain-cut';

/**
 * The cancellation of one call answered on `stream`. It aborts when the caller leaves (or was dropped for
 * not reading), and at the drain deadline: the caller then gets the error as the call's answer, with its
 * id, before the connection closes, and the upstream is told to stop. A caller that leaves a resumable
 * stream (SEP-1699, legacy) has not cancelled: the call goes on for it to resume (see ResumableStream).
 */
export function callController(res: ServerResponse, stream: ResponseStream, id: RequestId): AbortController {
  const controller = new AbortController();
  res.on('close', () => {
    if (res.writableFinished) return;
    const dropped = dropReason(res);
    if (dropped === undefined && stream.resumable) return;
    controller.abort(dropped ?? new GatewayError('GW_CANCELLED', 'The caller closed the stream'));
  });
  res.once(DRAIN_CUT_EVENT, (err: GatewayError) => {
    stream.finish(failure(id, toJsonRpcError(err)));
    controller.abort(err);
  });
  return controller;
}
