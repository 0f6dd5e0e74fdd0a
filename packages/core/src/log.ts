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
 * A logger that drops everything: pass it to silence the engine (without `logger` and `onError`, each distinct
 * failure is printed once with `console.warn`).
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, logger: noopLogger });
 * ```
 */
export const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
