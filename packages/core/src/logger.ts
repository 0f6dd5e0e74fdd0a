/**
 * A minimal structured logger. `info` is optional; every method must tolerate an absent `context`.
 * Logger failures are caught by the engine and never break synchronization.
 *
 * @example
 * ```ts
 * const logger: Logger = {
 *   debug: (msg, ctx) => pino.debug(ctx, msg),
 *   warn: (msg, ctx) => pino.warn(ctx, msg),
 *   error: (msg, ctx) => pino.error(ctx, msg),
 * };
 * ```
 */
export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info?(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/**
 * A logger that drops everything (the default).
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, logger: noopLogger });
 * ```
 */
export const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Options of {@link createConsoleLogger}.
 *
 * @example
 * ```ts
 * const options: ConsoleLoggerOptions = { prefix: '[settings-sync]', debug: import.meta.env.DEV };
 * ```
 */
export interface ConsoleLoggerOptions {
  /** Printed before every message. @default '[state-sync]' */
  prefix?: string;
  /** Print `debug` lines too. @default false */
  debug?: boolean;
  /** Where to print. @default globalThis.console */
  console?: Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;
}

/**
 * A logger printing to the console, e.g. `[state-sync] applied {topic: 'settings', revision: '7'}`.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, logger: createConsoleLogger({ debug: true }) });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const { prefix = '[state-sync]', debug = false } = options;
  const out = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, context?: object) => {
    const target = options.console ?? globalThis.console;
    if (context === undefined) target[level](`${prefix} ${message}`);
    else target[level](`${prefix} ${message}`, context);
  };
  return {
    debug: debug ? out('debug') : () => {},
    info: out('info'),
    warn: out('warn'),
    error: out('error'),
  };
}

/**
 * Wraps a logger so that every line carries `tags` in its context (e.g. the window label).
 *
 * @example
 * ```ts
 * const logger = tagLogger(createConsoleLogger(), { window: 'settings' });
 * logger.warn('slow fetch'); // context: { window: 'settings' }
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function tagLogger(base: Logger, tags: Record<string, unknown>): Logger {
  const wrap =
    (log: ((message: string, context?: Record<string, unknown>) => void) | undefined) =>
    (message: string, context?: Record<string, unknown>) =>
      log?.call(base, message, { ...tags, ...context });
  return { debug: wrap(base.debug), info: wrap(base.info), warn: wrap(base.warn), error: wrap(base.error) };
}
