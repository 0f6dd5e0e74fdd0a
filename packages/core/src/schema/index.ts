/**
 * The part of the Standard Schema v1 interface that state-sync uses. Validators from zod (3.24+), valibot
 * (1.0+), arktype (2.0+) and others implement it, so any of them can be passed as `schema`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const schema: StandardSchemaV1<unknown, { theme: string }> = z.object({ theme: z.string() });
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaV1.Result<Output> | Promise<StandardSchemaV1.Result<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** Types of {@link StandardSchemaV1}. */
export declare namespace StandardSchemaV1 {
  /** A validation result: `{ value }` on success, `{ issues }` on failure. */
  type Result<Output> =
    | { readonly value: Output; readonly issues?: undefined }
    | { readonly issues: readonly Issue[] };
  /** One validation issue. */
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
  }
  /** The output type of a schema. */
  type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];
}

/** Formats issues as `path.to.key: message`, joined with `; `. */
function formatIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .map(({ message, path }) => {
      const at = (path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.');
      return at ? `${at}: ${message}` : message;
    })
    .join('; ');
}

/**
 * A validator for the `schema` option of `createRevisionSync`: checks (and may transform) a snapshot's `data`,
 * throws on a mismatch.
 *
 * @example
 * ```ts
 * const check: SnapshotValidator<{ theme: string }> = (data) => data as { theme: string };
 * ```
 */
export type SnapshotValidator<T> = (data: unknown) => T | PromiseLike<T>;

/**
 * Adapts a [Standard Schema](https://standardschema.dev) validator (zod 3.24+, valibot 1.0+, arktype 2.0+…) to
 * the `schema` option (opt-in import, so that handles without validation do not pay for it). A mismatch
 * rejects with every issue as `path: message`; the engine reports it with phase `validate`.
 *
 * @throws TypeError when `schema` is not a Standard Schema.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { standardSchema } from '@statesync/core/schema';
 * import { z } from 'zod';
 *
 * createRevisionSync({ ...options, schema: standardSchema(z.object({ theme: z.enum(['light', 'dark']) })) });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function standardSchema<T>(schema: StandardSchemaV1<unknown, T>): SnapshotValidator<T> {
  const validate = schema?.['~standard']?.validate;
  if (typeof validate !== 'function')
    throw new TypeError(
      'Expected a Standard Schema (zod, valibot, arktype…): an object with a `["~standard"].validate()` method.',
    );
  return async (data) => {
    const result = await validate(data);
    if (result.issues) throw new Error(formatIssues(result.issues));
    return result.value;
  };
}
