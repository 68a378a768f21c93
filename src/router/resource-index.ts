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
 * upstream serves resources — to that one, since servers may read URIs they do not list.
 */
export class ResourceIndex {
  #exact = new Map<string, string>();
  #templates: { upstream: string; re: RegExp }[] = [];
  #resourceUpstreams: string[];
  readonly resources: ListedResource[] = [];
  readonly templates: ListedResource[] = [];
  readonly collisions: string[] = [];

  constructor(
    order: readonly string[],
    resources: ReadonlyMap<string, readonly ListedResource[]>,
    templates: ReadonlyMap<string, readonly ListedResource[]>,
    resourceUpstreams: readonly string[],
  ) {
    this.#resourceUpstreams = [...resourceUpstreams];
    for (const upstream of order) {
      for (const r of resources.get(upstream) ?? []) {
        if (typeof r.uri !== 'string') continue;
        const owner = this.#exact.get(r.uri);
        if (owner !== undefined) {
          this.collisions.push(`${upstream}: resource ${r.uri} already served by ${owner}`);
          continue;
        }
        this.#exact.set(r.uri, upstream);
        this.resources.push(r);
      }
      for (const t of templates.get(upstream) ?? []) {
        if (typeof t.uriTemplate !== 'string') continue;
        this.#templates.push({ upstream, re: templateMatcher(t.uriTemplate) });
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
    const i = this.templates.findIndex((t) => t.uriTemplate === uriTemplate);
    return i >= 0 ? this.#templates[i]?.upstream : this.route(uriTemplate);
  }
}
