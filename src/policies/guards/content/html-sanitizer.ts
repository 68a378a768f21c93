import { parseFragment, serialize, type DefaultTreeAdapterMap } from 'parse5';

type Node = DefaultTreeAdapterMap['childNode'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];
type Element = DefaultTreeAdapterMap['element'];

/** Elements removed with everything inside them: they run code, load content, or restyle the page. */
const DROP = new Set([
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'noscript', 'template', 'base', 'meta',
  'link', 'form', 'portal', 'animate', 'set', 'animatemotion', 'animatetransform', 'handler', 'listener', 'xml', 'import',
]); // prettier-ignore
/** Attributes holding URLs (with or without a namespace prefix such as xlink:). */
const URL_ATTRS = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'poster', 'background', 'lowsrc', 'dynsrc', 'ping', 'cite', 'longdesc',
  'usemap', 'codebase', 'manifest', 'icon', 'profile', 'xlink:href', 'archive', 'classid',
]); // prettier-ignore
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp|avif);base64,[a-z0-9+/=\s]*$/i;

/** What the sanitiser removed (for the rule and reason), and the sanitised HTML when anything was. */
export interface SanitizeResult {
  readonly removed: readonly string[];
  readonly html: string;
}

/**
 * Sanitises an HTML fragment on a real HTML5 parser (parse5, the algorithm browsers run, so markup that
 * tricks regexes such as `<scr<script>ipt>` or entity-encoded `jav&#x61;script:` parses as a browser would):
 * drops active and loading elements with their content, event-handler attributes, `javascript:`/
 * `vbscript:`/`data:` URLs (except base64 raster images in `src`), `srcdoc`, and styles with `expression(` or
 * script URLs. Text without `<` is returned untouched; nothing is re-serialised unless something was removed.
 */
export function sanitizeHtml(input: string): SanitizeResult {
  if (!input.includes('<')) return { removed: [], html: input };
  const fragment = parseFragment(input);
  const removed: string[] = [];
  clean(fragment, removed, 0);
  return removed.length === 0 ? { removed, html: input } : { removed, html: serialize(fragment) };
}

function clean(parent: ParentNode, removed: string[], depth: number): void {
  const kept: Node[] = [];
  for (const node of parent.childNodes) {
    if (!('tagName' in node)) {
      kept.push(node);
      continue;
    }
    const element = node as Element;
    const tag = element.tagName.toLowerCase();
    if (DROP.has(tag) || depth > 256) {
      note(removed, `<${tag}>`);
      continue;
    }
    element.attrs = element.attrs.filter((attr) => {
      const name = (attr.prefix ? `${attr.prefix}:${attr.name}` : attr.name).toLowerCase();
      const why = attributeProblem(tag, name, attr.value);
      if (why !== undefined) note(removed, why);
      return why === undefined;
    });
    const content = (element as Element & { content?: ParentNode }).content;
    if (content) clean(content, removed, depth + 1);
    clean(element, removed, depth + 1);
    kept.push(element);
  }
  parent.childNodes = kept;
}

/** Why an attribute must go, or undefined. */
function attributeProblem(tag: string, name: string, value: string): string | undefined {
  if (name.startsWith('on')) return 'event-handler attribute';
  if (name === 'srcdoc') return 'srcdoc attribute';
  if (
    name === 'style' &&
    /expression\s*\(|javascript:|vbscript:|url\s*\(\s*['"]?\s*(?:javascript|vbscript|data):|-moz-binding|behavior\s*:/i.test(compact(value))
  )
    return 'script in a style attribute';
  if (name === 'srcset')
    return value.split(',').some((c) => scriptUrl(c.trim().split(/\s+/)[0] ?? '', tag, 'src')) ? 'script URL in srcset' : undefined;
  const bare = name.includes(':') ? name : name;
  if (URL_ATTRS.has(bare) || name.endsWith(':href')) return scriptUrl(value, tag, name) ? `${scheme(value)} URL` : undefined;
  return undefined;
}

/** True for javascript:, vbscript:, livescript:, and data: other than a raster image in an img/src. */
function scriptUrl(value: string, tag: string, name: string): boolean {
  const url = compact(value).toLowerCase();
  if (/^(?:javascript|vbscript|livescript|mocha):/.test(url)) return true;
  if (url.startsWith('data:'))
    return !((tag === 'img' || tag === 'source' || tag === 'picture') && name === 'src' && SAFE_DATA_IMAGE.test(compact(value)));
  return false;
}

/** Browsers ignore whitespace and control characters inside a URL scheme: so must the check. */
function compact(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what browsers skip here
  return value.replace(/[\u0000-\u0020\u007f-\u009f\u200b-\u200d\ufeff]+/g, '');
}

function scheme(value: string): string {
  return compact(value).toLowerCase().split(':')[0] + ':';
}

function note(removed: string[], what: string): void {
  if (!removed.includes(what)) removed.push(what);
}
