/** A content block of a tool result, as far as the client prints it. */
interface Block {
  readonly type?: unknown;
  readonly text?: unknown;
  readonly data?: unknown;
  readonly mimeType?: unknown;
  readonly uri?: unknown;
  readonly name?: unknown;
  readonly resource?: { uri?: unknown; text?: unknown; blob?: unknown; mimeType?: unknown };
}

/**
 * A tool result for people: text as is; images, audio and blobs as one line with type and size (never
 * base64 on a terminal); resource links by URI; structured content as indented JSON.
 */
export function renderResult(result: { content?: unknown; structuredContent?: unknown; isError?: unknown }): string {
  const lines: string[] = [];
  for (const block of Array.isArray(result.content) ? (result.content as Block[]) : []) lines.push(renderBlock(block));
  if (result.structuredContent !== undefined) lines.push('structured content:', JSON.stringify(result.structuredContent, null, 2));
  if (lines.length === 0) lines.push('(empty result)');
  return `${lines.join('\n')}\n`;
}

function renderBlock(b: Block): string {
  switch (b.type) {
    case 'text':
      return String(b.text);
    case 'image':
    case 'audio':
      return `[${b.type} ${String(b.mimeType ?? '?')}, ${size(b.data)}]`;
    case 'resource_link':
      return `[resource link ${String(b.uri)}${typeof b.name === 'string' ? ` (${b.name})` : ''}]`;
    case 'resource': {
      const r = b.resource ?? {};
      if (typeof r.text === 'string') return `[resource ${String(r.uri)}]\n${r.text}`;
      return `[resource ${String(r.uri)} ${String(r.mimeType ?? '')}, ${size(r.blob)}]`;
    }
    default:
      return JSON.stringify(b);
  }
}

/** Decoded size of base64 data. */
function size(data: unknown): string {
  if (typeof data !== 'string') return 'no data';
  const bytes = Math.floor((data.length * 3) / 4) - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}
