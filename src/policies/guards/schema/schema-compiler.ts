import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { boundedRegExpEngine } from './safe-regexp.js';

/** Limits on what an upstream's schema may be before we compile it. */
export interface SchemaLimits {
  readonly maxSchemaBytes: number;
  readonly maxSchemaDepth: number;
  readonly maxPatternInput: number;
}

/** A compiled schema, or why there is none. */
export type CompiledSchema = { readonly ok: true; readonly validate: ValidateFunction } | { readonly ok: false; readonly reason: string };

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-0[67]\/schema#?$/;
const CACHE_MAX = 2048;

// ajv-formats is CommonJS with a default export; under NodeNext its namespace may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** Depth and size of a JSON value, stopping as soon as a limit is passed (a hostile schema is not walked whole). */
function tooDeep(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
  }
  return false;
}

/**
 * Compiles tools' schemas with ajv, once per distinct schema (a bounded cache keyed by the schema's JSON, so
 * a list refresh with unchanged definitions compiles nothing and a changed definition compiles anew).
 * `$schema` draft-06/07 compiles as draft-07; anything else (2020-12, the MCP default, or none) as 2020-12.
 * Nothing is fetched: a remote `$ref` makes the schema invalid.
 */
export class SchemaCompiler {
  readonly #cache = new Map<string, CompiledSchema>();
  #draft07: Ajv | undefined;
  #draft2020: Ajv2020 | undefined;

  constructor(private readonly limits: SchemaLimits) {}

  /** The compiled form of `schema` (cached). */
  compile(schema: unknown): CompiledSchema {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { ok: false, reason: 'the schema is not an object' };
    // Depth first: stringifying a hostile, very deep schema would overflow the stack.
    if (tooDeep(schema, this.limits.maxSchemaDepth))
      return { ok: false, reason: `the schema nests deeper than ${this.limits.maxSchemaDepth}` };
    let key: string;
    try {
      key = JSON.stringify(schema);
    } catch {
      return { ok: false, reason: 'the schema is not JSON' };
    }
    const hit = this.#cache.get(key);
    if (hit) {
      // Refresh recency (Map keeps insertion order: the first key is the least recently used).
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const compiled = this.#compileFresh(schema as Record<string, unknown>, key.length);
    if (this.#cache.size >= CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, compiled);
    return compiled;
  }

  #compileFresh(schema: Record<string, unknown>, bytes: number): CompiledSchema {
    if (bytes > this.limits.maxSchemaBytes) return { ok: false, reason: `the schema is larger than ${this.limits.maxSchemaBytes} bytes` };
    const ajv = typeof schema.$schema === 'string' && DRAFT_07.test(schema.$schema) ? this.#ajv07() : this.#ajv2020();
    try {
      return { ok: true, validate: ajv.compile(schema) };
    } catch (error) {
      return {
        ok: false,
        reason: `the schema does not compile: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
      };
    } finally {
      // ajv keeps every compiled schema (and its $id) otherwise: memory would grow with each definition change.
      try {
        ajv.removeSchema(schema);
        if (typeof schema.$id === 'string') ajv.removeSchema(schema.$id);
      } catch {
        // not registered (the compile failed before adding it)
      }
    }
  }

  #options() {
    return {
      strict: false,
      allErrors: false,
      logger: false as const,
      validateFormats: true,
      code: { regExp: boundedRegExpEngine(this.limits.maxPatternInput) },
    };
  }

  #ajv07(): Ajv {
    return (this.#draft07 ??= addFormats(new Ajv(this.#options())) as Ajv);
  }

  #ajv2020(): Ajv2020 {
    return (this.#draft2020 ??= addFormats(new Ajv2020(this.#options()) as unknown as Ajv) as unknown as Ajv2020);
  }
}
