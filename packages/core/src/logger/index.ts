import type { Logger } from '../log';

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
 * A logger printing to the console (opt-in import: `@statesync/core/logger`), e.g. `[state-sync] applied {topic: 'settings', revision: '7'}`.
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
