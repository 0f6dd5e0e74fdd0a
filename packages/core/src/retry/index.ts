import { backoffDelay, type RetryPolicy, resolveRetryPolicy } from '../backoff';
import { type Clock, systemClock } from '../clock';
import type { SnapshotEnvelope, SnapshotProvider, SnapshotRequest } from '../protocol';

/**
 * Waits `ms` on `clock`; rejects with `signal.reason` as soon as `signal` aborts (and clears the timer).
 *
 * @example
 * ```ts
 * await sleep(500, controller.signal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Information about one failed attempt of a retrying provider.
 *
 * @example
 * ```ts
 * const onRetry = (info: RetryInfo) => console.warn(`attempt ${info.attempt} failed; next in ${info.delayMs} ms`);
 * ```
 */
export interface RetryInfo {
  readonly attempt: number;
  readonly error: unknown;
  readonly delayMs: number;
}

/**
 * Options of {@link withRetryReporting}.
 *
 * @example
 * ```ts
 * const options: RetryReportingOptions = { policy: { maxAttempts: 5 }, onGiveUp: ({ error }) => report(error) };
 * ```
 */
export interface RetryReportingOptions {
  /** @default `{ ...DEFAULT_RETRY_POLICY, maxAttempts: 3 }` */
  policy?: Partial<RetryPolicy>;
  /** Called before each wait. Errors thrown here are ignored. */
  onRetry?: (info: RetryInfo) => void;
  /** Called once when the last attempt failed, before the error is rethrown. Errors thrown here are ignored. */
  onGiveUp?: (info: Omit<RetryInfo, 'delayMs'>) => void;
  /** @default systemClock */
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
}

/**
 * Wraps a provider so that a failed `getSnapshot` is retried with backoff, and reports each retry and the
 * final failure. Abortable: once the request's signal aborts, no further call reaches `provider` and the
 * returned promise rejects with the signal's reason.
 *
 * The engine already retries on its own; use this for providers used outside it, or to retry quickly
 * inside one engine attempt.
 *
 * @example
 * ```ts
 * const provider = withRetryReporting(httpProvider, {
 *   policy: { maxAttempts: 5 },
 *   onRetry: ({ attempt, delayMs }) => log.warn(`retry ${attempt} in ${delayMs} ms`),
 * });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function withRetryReporting<T>(
  provider: SnapshotProvider<T>,
  options: RetryReportingOptions = {},
): SnapshotProvider<T> {
  const policy = resolveRetryPolicy(options.policy, 3);
  const clock = options.clock ?? systemClock;
  const quietly = (fn: () => void) => {
    try {
      fn();
    } catch {}
  };
  return {
    async getSnapshot(request?: SnapshotRequest): Promise<SnapshotEnvelope<T, string>> {
      const signal = request?.signal;
      for (let attempt = 1; ; attempt++) {
        signal?.throwIfAborted();
        try {
          return await provider.getSnapshot(request);
        } catch (error) {
          signal?.throwIfAborted();
          if (attempt >= (policy.maxAttempts as number)) {
            quietly(() => options.onGiveUp?.({ attempt, error }));
            throw error;
          }
          const delayMs = backoffDelay(policy, attempt, options.random);
          quietly(() => options.onRetry?.({ attempt, error, delayMs }));
          await sleep(delayMs, signal, clock);
        }
      }
    },
  };
}

/**
 * Short form of {@link withRetryReporting}.
 *
 * @example
 * ```ts
 * const provider = withRetry(httpProvider, { maxAttempts: 4 }, (info) => console.warn(info));
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function withRetry<T>(
  provider: SnapshotProvider<T>,
  policy?: Partial<RetryPolicy>,
  onRetry?: (info: RetryInfo) => void,
): SnapshotProvider<T> {
  return withRetryReporting(provider, onRetry ? { policy: policy ?? {}, onRetry } : { policy: policy ?? {} });
}
