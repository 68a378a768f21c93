/**
 * A heuristic scan of a tool's description (and the descriptions inside its schemas) for tool poisoning
 * (hidden instructions, invisible characters, encoded blobs, references to secrets or files) and
 * shadowing (naming another upstream's tools). Findings name a rule and a short, secret-free detail.
 */
export interface PoisonFinding {
  readonly rule: 'hidden-instructions' | 'invisible-characters' | 'encoded-blob' | 'sensitive-reference' | 'shadowing';
  readonly detail: string;
}

const HIDDEN_BLOCK =
  /<\s*\/?\s*(important|system|instructions?|secret|hidden|admin|prompt|context|note_to_(?:ai|assistant|model))\b[^>]*>|<!--|\[\/?INST\]|<\|im_start\|>/i;
const STEERING = new RegExp(
  [
    String.raw`ignore (?:all |any )?(?:previous|prior|above|earlier) (?:instructions|messages|rules)`,
    String.raw`do not (?:tell|mention|inform|reveal|notify|show)[^.]{0,40}\buser\b`,
    String.raw`(?:don't|never) (?:tell|mention|inform|reveal)[^.]{0,40}\buser\b`,
    String.raw`before (?:using|calling|invoking) (?:this|any) tool[^.]{0,80}\b(?:read|send|pass|include|call)\b`,
    String.raw`\byou (?:must|should) (?:first )?(?:read|send|pass|include|forward|exfiltrate)\b[^.]{0,80}\b(?:file|key|token|password|content|conversation)`,
    String.raw`(?:instead|in place) of (?:the )?(?:user'?s? )?(?:requested|specified|intended) (?:recipient|address|tool)`,
    String.raw`\b(?:bcc|blind copy)\b[^.]{0,60}@`,
  ].join('|'),
  'i',
);
// Zero-width, bidi embedding/override/isolate marks, the BOM, and Unicode tag characters (invisible ASCII).
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]|\uDB40[\uDC00-\uDC7F]/u;
const BASE64_RUN = /[A-Za-z0-9+/]{48,}={0,2}/g;
const HEX_RUN = /\b(?:0x)?[0-9a-fA-F]{48,}\b/;
const SENSITIVE = new RegExp(
  [
    String.raw`~\/\.ssh|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.ssh\/`,
    String.raw`\/etc\/(?:passwd|shadow|sudoers)`,
    String.raw`\.aws\/credentials|\.kube\/config|\.docker\/config\.json|\.netrc|\.npmrc|\.pgpass`,
    String.raw`(?:^|[\s"'\x60(])\.env\b`,
    String.raw`\bmcp\.json\b|claude_desktop_config|\.cursor\/`,
    String.raw`\b(?:private[ _-]?key|secret[ _-]?key|api[ _-]?keys?|access[ _-]?tokens?|passwords?|credentials)\b[^.]{0,60}\b(?:send|pass|include|append|add|put|copy|forward|provide|read)\b`,
    String.raw`\b(?:send|pass|include|append|add|put|copy|forward|provide|read)\b[^.]{0,60}\b(?:private[ _-]?key|secret[ _-]?key|api[ _-]?keys?|access[ _-]?tokens?|passwords?|credentials)\b`,
  ].join('|'),
  'i',
);

/** Context of one scan: tool names of the other upstreams (exposed and original), for shadowing. */
export interface ScanContext {
  readonly otherUpstreamTools?: ReadonlyMap<string, string>;
}

/** Scans one listed tool; an empty array means nothing suspicious was found. */
export function scanTool(item: Readonly<Record<string, unknown>>, context: ScanContext = {}): PoisonFinding[] {
  const texts: string[] = [];
  if (typeof item.description === 'string') texts.push(item.description);
  if (typeof item.title === 'string') texts.push(item.title);
  collectSchemaTexts(item.inputSchema, texts, 0);
  collectSchemaTexts(item.outputSchema, texts, 0);
  const text = texts.join('\n');
  const findings: PoisonFinding[] = [];
  const add = (rule: PoisonFinding['rule'], detail: string) => {
    if (!findings.some((f) => f.rule === rule)) findings.push({ rule, detail });
  };
  const block = HIDDEN_BLOCK.exec(text) ?? STEERING.exec(text);
  if (block) add('hidden-instructions', `instruction-like text: ${clip(block[0])}`);
  const invisible = INVISIBLE.exec(text);
  if (invisible) add('invisible-characters', `invisible or bidi character U+${codePoint(invisible[0])}`);
  if (HEX_RUN.test(text)) add('encoded-blob', 'a long hexadecimal run');
  else for (const m of text.matchAll(BASE64_RUN)) if (looksEncoded(m[0])) add('encoded-blob', `a ${m[0].length}-character base64-like run`);
  const sensitive = SENSITIVE.exec(text);
  if (sensitive) add('sensitive-reference', `refers to secrets or private files: ${clip(sensitive[0])}`);
  for (const [name, upstream] of context.otherUpstreamTools ?? []) {
    if (mentions(text, name)) {
      add('shadowing', `mentions tool "${name}" of upstream "${upstream}"`);
      break;
    }
  }
  return findings;
}

/** Titles and descriptions anywhere in a schema (schema poisoning hides there too); bounded depth. */
function collectSchemaTexts(schema: unknown, out: string[], depth: number): void {
  if (depth > 32 || schema === null || typeof schema !== 'object') return;
  if (Array.isArray(schema)) {
    for (const s of schema) collectSchemaTexts(s, out, depth + 1);
    return;
  }
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'description' || key === 'title') && typeof value === 'string') out.push(value);
    else if (typeof value === 'object') collectSchemaTexts(value, out, depth + 1);
  }
}

/** A run of base64 characters that mixes cases and digits (a long identifier or path is not a blob). */
function looksEncoded(run: string): boolean {
  return /[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run) && !/^[A-Za-z]+(?:\/[A-Za-z]+)+$/.test(run);
}

/** Whole-word mention of a distinctive tool name (plain words like "search" would flag ordinary prose). */
function mentions(text: string, name: string): boolean {
  if (name.length < 4 || !/[_\-.]|[a-z][A-Z]/.test(name)) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^A-Za-z0-9_])${escaped}(?:$|[^A-Za-z0-9_])`).test(text);
}

function clip(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

function codePoint(s: string): string {
  return (s.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}
