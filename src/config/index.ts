// Public surface of config/: load, validate, the schema-derived types and small helpers over them.
export { loadConfig, parseConfig, type LoadResult, type LoadOptions } from './load-config.js';
export { hasSecretRefs, readStoreSettings, type SecretOpener, type SecretStoreLocation } from './secret-refs.js';
export type { SecretsConfig } from './secrets-schema.js';
export type { AuditConfig } from './audit-schema.js';
export { ConfigError, formatPath, formatProblem, type ConfigErrorKind, type ConfigProblem, type PathSegment } from './config-error.js';
export { readSource, parseSource, type Source, type Position } from './source.js';
export { interpolate, type Env, type SecretLookup } from './interpolate.js';
export { configSchema } from './config-schema.js';
export { policyScopeSchema, resolvedPolicyScopeSchema, toolPolicyScopeSchema, RETRY_ON } from './policy-schema.js';
export { upstreamSchema, replicaSchema } from './upstream-schema.js';
export { TRANSPORTS, type Transport } from './transport.js';
export { upstreamReplicas, type ResolvedReplica } from './replicas.js';
export { deepFreeze } from './deep-freeze.js';
export type { Skipped } from './mcp-servers.js';
export type * from './types.js';
export { storagePath } from './storage.js';
export * from './observability-schema.js';
export * from './guards-schema.js';
