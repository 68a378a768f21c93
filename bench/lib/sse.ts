// Minimal text/event-stream parsing for complete (already received) response bodies.

/** The data payloads of every `message` event (or event without a type) in an SSE body, in order. */
export function sseMessages(body: string): string[] {
  const messages: string[] = [];
  let data: string[] = [];
  let event = '';
  let pos = 0;
  const len = body.length;
  while (pos <= len) {
    let nl = body.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let line = body.slice(pos, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = nl + 1;
    if (line === '') {
      if (data.length > 0 && (event === '' || event === 'message')) messages.push(data.join('\n'));
      data = [];
      event = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  if (data.length > 0 && (event === '' || event === 'message')) messages.push(data.join('\n'));
  return messages;
}
