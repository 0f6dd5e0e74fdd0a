import type { StandardSchemaV1 } from '@statesync/core';
import type { Migrator } from './applier';
import { PersistenceError } from './errors';

/**
 * Upgrades `data` from one schema version to the next; may be async. Throwing discards the record.
 *
 * @example
 * ```ts
 * const v1to2: Migration = (data) => ({ ...(data as object), fontSize: 14 });
 * ```
 */
export type Migration = (data: unknown) => unknown;

/**
 * Schema versions for persisted records (records from a newer version are discarded by `persistApplier`): `steps[i]` upgrades data of version `i + 1` to `i + 2`, so the
 * current version is `steps.length + 1`. After the steps, the data is validated with `schema` (any
 * Standard Schema: zod, valibot, arktype), which may also transform it. A record from a newer version, a
 * step that throws or data the schema rejects: the record is deleted and reported (reasons `version`,
 * `migrate`, `validate`), never applied.
 *
 * @example
 * ```ts
 * persistApplier(storeApplier, {
 *   key: 'settings',
 *   storage: localStorageBackend(),
 *   migrate: migrations(
 *     [
 *       (v1) => ({ theme: (v1 as { color: string }).color }), // 1 → 2: renamed
 *       (v2) => ({ ...(v2 as object), fontSize: 14 }), // 2 → 3: new field
 *     ],
 *     settingsSchema,
 *   ),
 * });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function migrations<T>(
  steps: readonly Migration[],
  schema?: StandardSchemaV1<unknown, T>,
): Migrator<T> {
  const version = steps.length + 1;
  return {
    version,
    async upgrade(data, from, key) {
      const fail = (reason: 'migrate' | 'validate', detail: string, cause?: unknown) =>
        new PersistenceError('load', reason, key, `${detail}; deleted, not applied`, cause);
      for (let v = from; v < version; v++) {
        try {
          data = await (steps[v - 1] as Migration)(data);
        } catch (error) {
          throw fail('migrate', `migration ${v} → ${v + 1} threw: ${error}`, error);
        }
      }
      if (!schema) return data as T;
      let result: StandardSchemaV1.Result<T>;
      try {
        result = await schema['~standard'].validate(data);
      } catch (error) {
        throw fail('validate', `the schema threw: ${error}`, error);
      }
      if (result.issues)
        throw fail(
          'validate',
          `the data does not match the schema: ${result.issues.map((i) => i.message).join('; ')}`,
        );
      return result.value;
    },
  };
}
