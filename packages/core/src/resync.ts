import { assertNumber } from './backoff';
import type { ResyncTrigger } from './engine';

/**
 * A resync trigger that fetches every `ms` milliseconds on the handle's clock (opt-in: pass it in `resyncOn`),
 * a safety net against lost events.
 *
 * @throws TypeError unless `ms` is a finite number ≥ 1.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { resyncEvery } from '@statesync/core/pacing';
 *
 * createRevisionSync({ ...options, resyncOn: [resyncEvery(30_000)] });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function resyncEvery(ms: number): ResyncTrigger {
  assertNumber('resyncEvery(ms)', ms, 1);
  return (resync, clock) => {
    let timer = clock.setTimeout(function tick() {
      timer = clock.setTimeout(tick, ms);
      resync();
    }, ms);
    return () => clock.clearTimeout(timer);
  };
}
