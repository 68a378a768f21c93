/**
 * Blanks out line and block comments and trailing commas (as in VS Code's mcp.json) so JSON.parse
 * accepts the text. Replaced characters become spaces and newlines stay, so offsets and lines still
 * point at the original text.
 */
export function stripJsonc(text: string): string {
  const out = text.split('');
  let lastComma = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      lastComma = -1;
    } else if (c === '/' && text[i + 1] === '/') {
      for (; i < text.length && text[i] !== '\n'; i++) out[i] = ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
      i--;
    } else if (c === ',') {
      lastComma = i;
    } else if ((c === '}' || c === ']') && lastComma !== -1) {
      out[lastComma] = ' ';
      lastComma = -1;
    } else if (c !== undefined && !/\s/.test(c)) {
      lastComma = -1;
    }
  }
  return out.join('');
}
