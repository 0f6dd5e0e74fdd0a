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
