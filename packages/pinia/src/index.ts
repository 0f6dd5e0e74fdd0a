import type { SnapshotApplier } from '@statesync/core';

/**
 * Placeholder, replaced by the real applier.
 *
 * @example
 * ```ts
 * createPiniaSnapshotApplier();
 * ```
 */
export function createPiniaSnapshotApplier(): SnapshotApplier {
  return { apply() {} };
}
