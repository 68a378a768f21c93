/** The logging surface every layer uses; pino's Logger satisfies it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled?(level: string): boolean;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * A child logger built on first use: the per-call hot path pays nothing for the request-id binding
 * unless the call actually logs something.
 */
export function lazyChild(base: Logger, bindings: () => Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const get = () => (child ??= base.child(bindings()));
  return {
    debug: (o, m) => (base.isLevelEnabled?.('debug') === false ? undefined : get().debug(o, m)),
    info: (o, m) => get().info(o, m),
    warn: (o, m) => get().warn(o, m),
    error: (o, m) => get().error(o, m),
    child: (b) => get().child(b),
  };
}
