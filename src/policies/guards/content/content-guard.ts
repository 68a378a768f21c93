import { ALLOW, deny, type Guard, type GuardVerdict } from '../guard.js';
import { sanitizeHtml } from './html-sanitizer.js';
import type { SecretKind } from './secret-detectors.js';
import { redactSecrets, scanSecrets } from './secret-scan.js';

/** The `content` guard's settings (config defaults filled). */
export interface ContentGuardConfig {
  /** Active HTML (scripts, handlers, script URLs): removed (sanitize), refused (block), or not looked at. */
  readonly html: 'off' | 'sanitize' | 'block';
  /** Secrets and personal data: replaced by `[REDACTED:kind]`, refused, or not looked at. */
  readonly secrets: 'off' | 'redact' | 'block';
  readonly detect: readonly SecretKind[];
  /** Longest text looked at; a longer one is refused (what is not checked does not pass). */
  readonly maxLength: number;
}

const MAX_DEPTH = 64;

/** What one pass over a value found and changed. */
interface Pass {
  changed: boolean;
  html: Set<string>;
  secrets: Map<SecretKind, number>;
  refused: GuardVerdict | undefined;
}

/**
 * The content guard (issue 10 item 6): every string at the configured pointers (a text, or every string
 * inside an object or array, e.g. `structuredContent`) is sanitised as HTML on parse5 and scanned for
 * secrets and personal data. `redact`/`sanitize` return the cleaned value (the policy forwards it in place of
 * the original); `block` refuses the call. Reasons name kinds and counts, never the matched text.
 */
export function createContentGuard(config: ContentGuardConfig): Guard {
  const kinds = new Set(config.detect);
  const visit = (value: unknown, pass: Pass, depth: number): unknown => {
    if (pass.refused) return value;
    if (typeof value === 'string') return cleanText(value, pass);
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((v, i) => {
        const next = visit(v, pass, depth + 1);
        if (next !== v) (copy ??= [...value])[i] = next;
      });
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const next = visit(v, pass, depth + 1);
      if (next !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = next;
    }
    return copy ?? value;
  };

  const cleanText = (text: string, pass: Pass): string => {
    if (text.length > config.maxLength) {
      pass.refused = deny('content.too-long', `a text longer than ${config.maxLength} characters is not scanned`);
      return text;
    }
    let out = text;
    if (config.html !== 'off') {
      const { removed, html } = sanitizeHtml(out);
      if (removed.length > 0) {
        if (config.html === 'block') {
          pass.refused = deny('content.html-active', `active HTML (${removed.join(', ')})`);
          return text;
        }
        removed.forEach((r) => pass.html.add(r));
        out = html;
      }
    }
    if (config.secrets !== 'off' && kinds.size > 0) {
      const matches = scanSecrets(out, kinds);
      if (matches.length > 0) {
        for (const m of matches) pass.secrets.set(m.kind, (pass.secrets.get(m.kind) ?? 0) + 1);
        if (config.secrets === 'block') {
          pass.refused = deny('content.secret', `holds ${describe(pass.secrets)}`);
          return text;
        }
        out = redactSecrets(out, matches);
      }
    }
    if (out !== text) pass.changed = true;
    return out;
  };

  return {
    kind: 'content',
    check({ value }) {
      const pass: Pass = { changed: false, html: new Set(), secrets: new Map(), refused: undefined };
      const cleaned = visit(value, pass, 0);
      if (pass.refused) return pass.refused;
      if (!pass.changed) return ALLOW;
      const parts = [
        pass.secrets.size > 0 ? `redacted ${describe(pass.secrets)}` : '',
        pass.html.size > 0 ? `removed ${[...pass.html].join(', ')}` : '',
      ];
      return {
        decision: 'redact',
        rule: pass.secrets.size > 0 ? 'content.secret' : 'content.html-active',
        reason: parts.filter(Boolean).join('; '),
        value: cleaned,
      };
    },
  };
}

function describe(counts: ReadonlyMap<SecretKind, number>): string {
  return [...counts].map(([kind, n]) => (n === 1 ? kind : `${n}× ${kind}`)).join(', ');
}
