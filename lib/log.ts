/**
 * Logger is the subset of pino's API the library uses. The library never creates a
 * logger of its own choosing: callers pass one (the CLI passes pino), else nothing is logged.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** silentLogger drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
