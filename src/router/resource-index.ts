import { createHash } from 'node:crypto';

/** A resource or template as an upstream lists it (kept verbatim). */
export interface ListedResource {
  uri?: string;
  uriTemplate?: string;
  [key: string]: unknown;
}

/** Turns an RFC 6570 template into a matcher; good enough to route, not to extract variables. */
function templateMatcher(template: string): RegExp {
  let source = '';
  let last = 0;
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    source += template.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const op = m[1]?.[0];
    source += op === '+' || op === '#' || op === '/' ? '(.*)' : op === '?' || op === '&' ? '(.*)' : '([^/?#]*)';
    last = (m.index ?? 0) + m[0].length;
  }
  source += template.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${source}$`);
}

/**
 * URI → upstream. Resource URIs are exposed verbatim (rewriting them would break the resource links
 * that tool results embed), so routing is by exact URI, then by template, then — when exactly one
 * upstream serves resources — to that one, since servers may read URIs they do not list. A URI or
 * template several upstreams list is listed once, and routed (read, subscribed) to the same upstream
 * the list shows: the first in configuration order. The others are recorded in `shared`.
 */
export class ResourceIndex {
  #exact = new Map<string, string>();
  #templates: { upstream: string; uriTemplate: string; re: RegExp }[] = [];
  #resourceUpstreams: string[];
  readonly resources: ListedResource[] = [];
  readonly templates: ListedResource[] = [];
  /** URIs and templates listed by several upstreams → those upstreams, the serving one first. */
  readonly shared = new Map<string, string[]>();

  constructor(
    order: readonly string[],
    resources: ReadonlyMap<string, readonly ListedResource[]>,
    templates: ReadonlyMap<string, readonly ListedResource[]>,
    resourceUpstreams: readonly string[],
  ) {
    this.#resourceUpstreams = [...resourceUpstreams];
    const templateOwner = new Map<string, string>();
    for (const upstream of order) {
      for (const r of resources.get(upstream) ?? []) {
        if (typeof r.uri !== 'string') continue;
        const owner = this.#exact.get(r.uri);
        if (owner !== undefined) {
          this.#share(r.uri, owner, upstream);
          continue;
        }
        this.#exact.set(r.uri, upstream);
        this.resources.push(r);
      }
      for (const t of templates.get(upstream) ?? []) {
        if (typeof t.uriTemplate !== 'string') continue;
        const owner = templateOwner.get(t.uriTemplate);
        if (owner !== undefined) {
          this.#share(t.uriTemplate, owner, upstream);
          continue;
        }
        templateOwner.set(t.uriTemplate, upstream);
        this.#templates.push({ upstream, uriTemplate: t.uriTemplate, re: templateMatcher(t.uriTemplate) });
        this.templates.push(t);
      }
    }
  }

  /** The upstream serving `uri`, if any can be determined. */
  route(uri: string): string | undefined {
    const exact = this.#exact.get(uri);
    if (exact !== undefined) return exact;
    for (const t of this.#templates) if (t.re.test(uri)) return t.upstream;
    return this.#resourceUpstreams.length === 1 ? this.#resourceUpstreams[0] : undefined;
  }

  /** The upstream that lists template `uriTemplate` (completion of template arguments). */
  routeTemplate(uriTemplate: string): string | undefined {
    return this.#templates.find((t) => t.uriTemplate === uriTemplate)?.upstream ?? this.route(uriTemplate);
  }

  /**
   * A digest of what callers see and where it routes: both lists with each entry's upstream. `text`
   * returns an item's JSON (kept from when the list was fetched, so nothing is serialised again).
   */
  fingerprint(text: (item: object) => string): string {
    const hash = createHash('sha1');
    for (const r of this.resources) hash.update(`r\0${this.#exact.get(r.uri as string)}\0${text(r)}\n`);
    for (const [i, t] of this.templates.entries()) hash.update(`t\0${this.#templates[i]?.upstream}\0${text(t)}\n`);
    return hash.digest('base64');
  }

  #share(key: string, owner: string, upstream: string): void {
    if (owner === upstream) return; // one upstream listing an entry twice shadows nothing
    const upstreams = this.shared.get(key) ?? [owner];
    if (!upstreams.includes(upstream)) upstreams.push(upstream);
    this.shared.set(key, upstreams);
  }
}
