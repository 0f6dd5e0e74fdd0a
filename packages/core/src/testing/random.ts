/**
 * A seeded pseudo-random generator (mulberry32) returning numbers in [0, 1). The same seed gives the same
 * sequence on every run and platform, so fault-injection tests are reproducible.
 *
 * @example
 * ```ts
 * const random = createSeededRandom(42);
 * createRevisionSync({ ...options, random }); // reproducible backoff jitter
 * ```
 */
export function createSeededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
