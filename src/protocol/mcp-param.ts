// SEP-2243 (2026-07-28 Streamable HTTP): `x-mcp-header` annotations in a tool's inputSchema and the
// `Mcp-Param-{Name}` headers that mirror those arguments, plus the `=?base64?…?=` value form shared with
// `Mcp-Name`. Used by the HTTP transport (validating a caller's headers against the body) and by the
// router (computing the headers an HTTP upstream expects).

/** One argument mirrored into a header: where it sits in `arguments` and the header's `{Name}`. */
export interface McpParamDeclaration {
  readonly path: readonly string[];
  /** The annotation's value, e.g. `Region` for `Mcp-Param-Region`. */
  readonly header: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'number';
}

/** Why a caller's `Mcp-Param-*` header was refused; `header` is the full header name. */
export interface McpParamProblem {
  readonly header: string;
  readonly detail: string;
}

export const MCP_PARAM_PREFIX = 'Mcp-Param-';
const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
const RFC9110_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CANONICAL_DECIMAL = /^-?\d+(?:\.\d+)?$/;
const TYPES = new Set(['string', 'integer', 'boolean', 'number']);
const NONE: readonly McpParamDeclaration[] = Object.freeze([]);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const scans = new WeakMap<object, readonly McpParamDeclaration[]>();

/**
 * The `x-mcp-header` declarations of a tool's inputSchema, memoised per schema object (route tables keep
 * the upstream's schema object until its list changes). Only properties reachable through a chain of
 * `properties` count; an annotation that is malformed (not an RFC 9110 token, not on a primitive, a
 * case-insensitive duplicate) is skipped. A `number` property is tolerated: the spec forbids the
 * annotation there, but its header is still checked (as the SDK server does).
 */
export function mcpParamDeclarations(inputSchema: unknown): readonly McpParamDeclaration[] {
  if (typeof inputSchema !== 'object' || inputSchema === null) return NONE;
  let found = scans.get(inputSchema);
  if (found === undefined) {
    const out: McpParamDeclaration[] = [];
    collect(inputSchema as Record<string, unknown>, [], out, new Set());
    found = out.length === 0 ? NONE : out;
    scans.set(inputSchema, found);
  }
  return found;
}

function collect(schema: Record<string, unknown>, path: string[], out: McpParamDeclaration[], seen: Set<string>): void {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return;
  for (const [key, child] of Object.entries(properties as Record<string, unknown>)) {
    if (typeof child !== 'object' || child === null) continue;
    const node = child as Record<string, unknown>;
    const childPath = [...path, key];
    const header = node['x-mcp-header'];
    if (typeof header === 'string' && RFC9110_TOKEN.test(header) && typeof node.type === 'string' && TYPES.has(node.type)) {
      const lower = header.toLowerCase();
      if (!seen.has(lower)) {
        seen.add(lower);
        out.push({ path: childPath, header, type: node.type as McpParamDeclaration['type'] });
      }
    }
    collect(node, childPath, out, seen);
  }
}

/** A primitive argument as its header text (strings as is, decimal numbers, `true`/`false`); else undefined. */
function primitiveText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)))
    return String(value);
  return undefined;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A header value as sent: plain when it is safe visible ASCII (tab allowed inside), else the Base64 form. */
export function encodeHeaderValue(value: string): string {
  let plain = value.length > 0 && value.trim() === value && !(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX));
  for (let i = 0; plain && i < value.length; i++) {
    const c = value.charCodeAt(i);
    plain = c === 9 || (c >= 0x20 && c <= 0x7e);
  }
  return plain ? value : `${SENTINEL_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_SUFFIX}`;
}

/**
 * A received header value decoded: the Base64 form when it has both the prefix and the suffix (its payload
 * must be canonical Base64 of valid UTF-8, else undefined), otherwise the value itself, literally.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(
    value.startsWith(SENTINEL_PREFIX) &&
    value.endsWith(SENTINEL_SUFFIX) &&
    value.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length
  ))
    return value;
  const payload = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(payload)) return undefined;
  try {
    return UTF8.decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

/** RFC 9110 optional whitespace (SP / HTAB) removed around a field value. */
export function stripOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** The `Mcp-Param-*` headers a client sends for `args`: one per declared argument that has a primitive value. */
export function mcpParamHeaders(declarations: readonly McpParamDeclaration[], args: unknown): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const d of declarations) {
    const text = primitiveText(valueAt(args, d.path));
    if (text !== undefined) (out ??= {})[MCP_PARAM_PREFIX + d.header] = encodeHeaderValue(text);
  }
  return out;
}

/**
 * Checks a caller's `Mcp-Param-*` headers against the body `arguments`. An argument that is absent or
 * null needs no header (one sent anyway is ignored); otherwise its header must be present, decodable,
 * and equal to the argument (numerically for integer/number arguments: `42.0` matches 42).
 * `header(lowerCaseName)` reads a request header (OWS already stripped or not: it is stripped here).
 */
export function checkMcpParamHeaders(
  declarations: readonly McpParamDeclaration[],
  args: unknown,
  header: (lowerCaseName: string) => string | undefined,
): McpParamProblem | undefined {
  for (const d of declarations) {
    const raw = valueAt(args, d.path);
    const text = primitiveText(raw);
    if (text === undefined) continue;
    const name = MCP_PARAM_PREFIX + d.header;
    const field = d.path.join('.');
    const sent = header(name.toLowerCase());
    if (sent === undefined)
      return { header: name, detail: `the body carries ${field}=${JSON.stringify(raw)} but the ${name} header is absent` };
    const decoded = decodeHeaderValue(stripOws(sent));
    if (decoded === undefined) return { header: name, detail: `the ${name} header carries an invalid Base64 value` };
    const numeric = (d.type === 'integer' || d.type === 'number') && typeof raw === 'number' && CANONICAL_DECIMAL.test(decoded);
    if (numeric ? Number(decoded) !== raw : decoded !== text)
      return {
        header: name,
        detail: `the ${name} header decodes to ${JSON.stringify(decoded)} but the body carries ${field}=${JSON.stringify(raw)}`,
      };
  }
  return undefined;
}
