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

/** @internal Formats issues as `path.to.key: message`, joined with `; `. */
export function formatIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .map(({ message, path }) => {
      const at = (path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.');
      return at ? `${at}: ${message}` : message;
    })
    .join('; ');
}
