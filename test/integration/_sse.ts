// Shared by the resumable-SSE tests: a raw legacy caller over fetch that reads SSE events the WHATWG way.
import assert from 'node:assert/strict';

/** One parsed SSE event (comments and empty events skipped). */
export interface SseEvent {
  id?: string;
  data: string;
  retry?: number;
}

/** Reads an SSE body to its end (or until `stop` says so), parsing events the WHATWG way (enough for tests). */
export async function readEvents(res: Response, stop: (events: SseEvent[]) => boolean = () => false): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let current: SseEvent = { data: '' };
  let sawData = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === '') {
        if (sawData || current.id !== undefined) events.push(current);
        current = { data: '' };
        sawData = false;
      } else if (line.startsWith('id: ')) current.id = line.slice(4);
      else if (line.startsWith('retry: ')) current.retry = Number(line.slice(7));
      else if (line.startsWith('data:')) {
        current.data += line.slice(line.startsWith('data: ') ? 6 : 5);
        sawData = true;
      }
    }
    if (stop(events)) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

/** Opens a legacy session at `url` and returns its id. */
export async function initialize(url: string, version = '2025-11-25'): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
  const session = res.headers.get('mcp-session-id');
  await res.text();
  assert.ok(session);
  return session;
}

/** POSTs one JSON-RPC message in `session`, accepting JSON or SSE. */
export function post(url: string, session: string, body: object, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session },
    body: JSON.stringify(body),
    ...(signal && { signal }),
  });
}

/** GET + Last-Event-ID: resumes the stream that id names. */
export function resume(url: string, session: string, lastEventId: string): Promise<Response> {
  return fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': lastEventId } });
}

/** A `tools/call` request (with `_meta` when given). */
export const call = (id: number, name: string, meta?: object) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {}, ...(meta && { _meta: meta }) },
});

/** The JSON-RPC message an event carries. */
export const parse = (e: SseEvent) =>
  JSON.parse(e.data) as { id?: number; method?: string; result?: { content: { text: string }[] }; params?: { progress?: number } };

/** The JSON-RPC messages of `events`, priming events (empty data) left out. */
export const messagesOf = (events: SseEvent[]) => events.filter((e) => e.data !== '').map(parse);

/** The sequence number of an event id `<stream>:<seq>`. */
export const seqOf = (e: SseEvent): number => Number(e.id?.split(':')[1]);
