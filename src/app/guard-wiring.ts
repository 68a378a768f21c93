import type { BreakwaterConfig, GuardEntryConfig, SchemaGuardConfig } from '../config/index.js';
import { noopPolicy, type Policy, type Route } from '../pipeline/index.js';
import {
  bindGuard,
  createGuard,
  createGuardPolicy,
  createSchemaGuard,
  SchemaCompiler,
  type Guard,
  type GuardBinding,
  type GuardEventSink,
} from '../policies/guards/index.js';
import { globMatcher, type Aggregator } from '../router/index.js';

/** A tool's definition as its upstream lists it (`inputSchema`, `outputSchema`, …), read at compile time. */
export type ToolDefinitionSource = (route: Route) => Readonly<Record<string, unknown>> | undefined;

/** Reads a tool route's definition from the aggregator's current tool table (undefined if it moved). */
export function toolDefinitionFrom(aggregator: Aggregator): ToolDefinitionSource {
  return (route) => {
    const entry = aggregator.tools.get(route.name);
    if (!entry || entry.upstream !== route.upstream || entry.target !== route.target) return undefined;
    return entry.item as Readonly<Record<string, unknown>>;
  };
}

/**
 * Builds each tool route's guard policy (schema validation, then the configured argument guards in file
 * order). Called when the route's pipeline compiles, which happens again after the upstream's tool list
 * changes: a changed `inputSchema` is compiled anew, an unchanged one comes from the compiler's cache.
 * Configured guards are built once per config entry (a SQL guard's parser state is shared by its routes).
 */
export class GuardWiring {
  readonly #compilers = new Map<string, SchemaCompiler>();
  readonly #guards = new WeakMap<GuardEntryConfig, Guard>();

  constructor(
    private readonly config: BreakwaterConfig,
    private readonly definitions: ToolDefinitionSource | undefined,
    private readonly events: GuardEventSink | undefined,
  ) {}

  /** The guard policy of a route; a no-op when nothing guards it. */
  policyFor(route: Route): Policy {
    if (route.kind !== 'tool') return noopPolicy;
    const upstream = this.config.upstreams[route.upstream];
    if (!upstream) return noopPolicy;
    const bindings: GuardBinding[] = [];
    const schema = this.schemaSettings(route.upstream);
    const definition = this.definitions?.(route);
    if (schema.enabled && definition) {
      const compiler = this.#compiler(route.upstream, schema);
      if (definition.inputSchema !== undefined)
        bindings.push(bindGuard(createSchemaGuard(compiler.compile(definition.inputSchema), schema.onInvalidSchema), [''], schema.mode));
      if (schema.output && definition.outputSchema !== undefined)
        bindings.push(
          bindGuard(
            createSchemaGuard(compiler.compile(definition.outputSchema), schema.onInvalidSchema, 'outputSchema'),
            ['/structuredContent'],
            schema.mode,
            'result',
          ),
        );
    }
    for (const [pattern, entries] of Object.entries(upstream.guards.tools)) {
      if (!globMatcher([pattern])(route.target)) continue;
      for (const entry of entries) {
        bindings.push(bindGuard(this.#guard(entry), entry.args, entry.mode));
        // The content guard may also check parts of the result (pointers into the result object).
        if (entry.type === 'content' && entry.results.length > 0)
          bindings.push(bindGuard(this.#guard(entry), entry.results, entry.mode, 'result'));
      }
    }
    return bindings.length === 0 ? noopPolicy : createGuardPolicy({ bindings, ...(this.events && { events: this.events }) });
  }

  /** Schema-validation settings of an upstream: the global `guards.schema` with the upstream's overrides. */
  schemaSettings(upstream: string): SchemaGuardConfig {
    const own = this.config.upstreams[upstream]?.guards.schema ?? {};
    const merged: Record<string, unknown> = { ...this.config.guards.schema };
    for (const [k, v] of Object.entries(own)) if (v !== undefined) merged[k] = v;
    return merged as unknown as SchemaGuardConfig;
  }

  #compiler(upstream: string, s: SchemaGuardConfig): SchemaCompiler {
    const key = `${upstream}\0${s.maxSchemaBytes}\0${s.maxSchemaDepth}\0${s.maxPatternInput}`;
    let compiler = this.#compilers.get(key);
    if (!compiler) {
      compiler = new SchemaCompiler(s);
      this.#compilers.set(key, compiler);
    }
    return compiler;
  }

  #guard(entry: GuardEntryConfig): Guard {
    let guard = this.#guards.get(entry);
    if (!guard) {
      guard = createGuard(entry);
      this.#guards.set(entry, guard);
    }
    return guard;
  }
}
