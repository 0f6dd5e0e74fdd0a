import { type Clock, systemClock } from './clock';
import type { SnapshotEnvelope, SnapshotProvider, SnapshotRequest } from './protocol';

/**
 * Capped exponential backoff with jitter: attempt `n` waits
 * `min(maxDelayMs, initialDelayMs * multiplier^(n-1))`, reduced by a random fraction up to `jitter`.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 5_000, multiplier: 2 };
 * ```
 */
export interface RetryPolicy {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Upper bound of any delay. */
  maxDelayMs: number;
  /** Growth factor between attempts (≥ 1). */
  multiplier: number;
  /** Give up after this many consecutive failed attempts. @default Infinity for the engine, 3 for withRetry */
  maxAttempts?: number;
  /** Fraction (0–1) of each delay that is randomized away, so windows do not retry in lockstep. @default 0.5 */
  jitter?: number;
}

/**
 * The engine's default policy: 250 ms, doubling, capped at 10 s, 50% jitter, no attempt limit.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, retry: { ...DEFAULT_RETRY_POLICY, maxDelayMs: 30_000 } });
 * ```
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.5,
});

/**
 * Throws a `TypeError` naming the option unless `value` is a finite number ≥ `min`.
 *
 * @internal
 */
export function assertNumber(name: string, value: unknown, min = 0): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number ≥ ${min}, got ${typeof value === 'number' ? value : typeof value}.`,
    );
  }
}

/** @internal Validates a policy and fills in defaults. */
export function resolveRetryPolicy(
  policy: Partial<RetryPolicy> | undefined,
  maxAttempts: number,
): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, maxAttempts, ...policy };
  assertNumber('retry.initialDelayMs', p.initialDelayMs);
  assertNumber('retry.maxDelayMs', p.maxDelayMs);
  assertNumber('retry.multiplier', p.multiplier, 1);
  if (p.maxAttempts !== Infinity) assertNumber('retry.maxAttempts', p.maxAttempts, 1);
  assertNumber('retry.jitter', p.jitter);
  if ((p.jitter as number) > 1) throw new TypeError(`Expected \`retry.jitter\` to be ≤ 1, got ${p.jitter}.`);
  return p;
}

/**
 * The delay before retry number `attempt` (1-based) under `policy`; `random` returns a number in [0, 1).
 *
 * @example
 * ```ts
 * backoffDelay(DEFAULT_RETRY_POLICY, 3, () => 0); // 1000
 * ```
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  return Math.round(base * (1 - (policy.jitter ?? 0.5) * random()));
}

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
