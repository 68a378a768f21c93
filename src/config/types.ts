import type { z } from 'zod';
import type { configSchema } from './config-schema.js';
import type { policyScopeSchema, resolvedPolicyScopeSchema, toolPolicyScopeSchema } from './policy-schema.js';
import type { replicaSchema } from './upstream-schema.js';

/** Read-only all the way down, as loadConfig() deep-freezes its result. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, defaulted, frozen configuration. */
export type BreakwaterConfig = DeepReadonly<z.output<typeof configSchema>>;
/** Listener, session and body limits. */
export type ServerConfig = BreakwaterConfig['server'];
/** One upstream MCP server, with `transport` and `prefix` resolved. */
export type UpstreamConfig = BreakwaterConfig['upstreams'][string];
/** An extra endpoint of an upstream, as written (see upstreamReplicas() for the resolved list). */
export type ReplicaConfig = DeepReadonly<z.output<typeof replicaSchema>>;
/** A partial policy scope (upstream `policies`), merged over the global one. */
export type PolicyScope = DeepReadonly<z.output<typeof policyScopeSchema>>;
/** A tool scope (`toolPolicies` entry); never holds `healthCheck`. */
export type ToolPolicyScope = DeepReadonly<z.output<typeof toolPolicyScopeSchema>>;
/** The global scope (`defaults`), every field filled. */
export type ResolvedPolicyScope = DeepReadonly<z.output<typeof resolvedPolicyScopeSchema>>;
/** Input form of the native file (before defaults), e.g. for building configs in code. */
export type BreakwaterConfigInput = z.input<typeof configSchema>;
