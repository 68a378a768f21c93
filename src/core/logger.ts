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
 * A child logger built on first use: the per-call hot path pays one small object for the request-id
 * binding, and the pino child only when the call actually logs something.
 */
class LazyChild implements Logger {
  #child: Logger | undefined;

  constructor(
    private readonly base: Logger,
    private readonly bindings: () => Record<string, unknown>,
  ) {}

  #get(): Logger {
    return (this.#child ??= this.base.child(this.bindings()));
  }

  debug(obj: object, msg?: string): void {
    if (this.base.isLevelEnabled?.('debug') !== false) this.#get().debug(obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.#get().info(obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.#get().warn(obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.#get().error(obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return this.#get().child(bindings);
  }
}

/** A logger bound to `bindings()`, computed only if something is logged. */
export function lazyChild(base: Logger, bindings: () => Record<string, unknown>): Logger {
  return new LazyChild(base, bindings);
}
