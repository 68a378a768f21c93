/** Breakwater's public API: embed the gateway, build configs in code, reuse the resilience core. */
export { Gateway, type GatewayOptions } from './app/gateway.js';
export { loadConfig, parseConfig, ConfigError, type BreakwaterConfig, type BreakwaterConfigInput } from './config/index.js';
export { GatewayError, UpstreamRpcError, ERROR_CODES, toJsonRpcError, type GatewayErrorCode } from './errors/index.js';
export { compose, noopPolicy, type Policy, type Next, type CallContext, type CallResult } from './pipeline/index.js';
export { systemClock, ManualClock, type Clock, type Random, type Logger } from './core/index.js';
export { createLogger } from './observability/logger.js';
