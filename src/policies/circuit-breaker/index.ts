export * from './circuit-breaker-policy.js';
export type {
  BreakerEvents,
  BreakerPermit,
  BreakerSnapshot,
  BreakerState,
  BreakerStateStore,
  BreakerTransition,
  CircuitBreakerOptions,
} from '../../resilience/index.js';
export { CircuitBreaker, createInProcessBreakerStateStore } from '../../resilience/index.js';
