// The forms one path argument can take on its way to a file system: as sent, percent-decoded (once or
// more: double encoding), Unicode-normalised (fullwidth "．．／" becomes "../" under NFKC), and with
// Windows separators. A path is accepted only when every form stays inside a root.

/** Why the raw text is refused before any resolution, or undefined. */
export function rawProblem(value: string): { rule: string; reason: string } | undefined {
  if (value.includes('\0')) return { rule: 'path.nul', reason: 'contains a NUL character' };
  if (/^~/.test(value)) return { rule: 'path.home', reason: 'home-relative paths (~) are not allowed' };
  if (/^[A-Za-z]:/.test(value) || /^[\\/]{2}/.test(value))
    return { rule: 'path.windows-absolute', reason: 'drive-letter and UNC paths are not allowed' };
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) return { rule: 'path.control-character', reason: 'contains a control character' };
  return undefined;
}

/** Percent-decodes until stable (at most 4 rounds); undefined when a round is malformed (overlong UTF-8, bad escapes). */
function percentDecoded(value: string): string[] | undefined {
  const out: string[] = [];
  let current = value;
  for (let i = 0; i < 4 && /%[0-9A-Fa-f]{2}/.test(current); i++) {
    try {
      current = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    out.push(current);
  }
  return out;
}

/** Every form of the value to check, or a problem when decoding fails. */
export function pathForms(value: string, decodePercent: boolean): { forms: string[] } | { rule: string; reason: string } {
  const base = [value];
  if (decodePercent) {
    const decoded = percentDecoded(value);
    if (!decoded) return { rule: 'path.bad-encoding', reason: 'malformed percent-encoding (or an overlong UTF-8 sequence)' };
    base.push(...decoded);
  }
  const forms = new Set<string>();
  for (const form of base) {
    for (const normal of [form, form.normalize('NFC'), form.normalize('NFKC')]) {
      forms.add(normal);
      if (normal.includes('\\')) forms.add(normal.replace(/\\/g, '/'));
    }
  }
  for (const form of forms) {
    const problem = rawProblem(form);
    if (problem) return problem;
  }
  return { forms: [...forms] };
}
