import { mergeImmutable } from './apply';
import { isPlainObject, isUnsafeKey } from './keys';

/**
 * How a snapshot is written into local state.
 * - `'replace'`: afterwards, the synced keys equal the snapshot's; synced keys absent from the snapshot are removed.
 * - `'merge'`: the snapshot's keys are written over the state's; other keys stay.
 *
 * In both modes, local-only keys (outside `pickKeys`, inside `omitKeys`) are never touched, and nested objects end
 * up equal to the snapshot's.
 *
 * @example
 * ```ts
 * const mode: ApplyMode = 'merge';
 * ```
 */
export type ApplyMode = 'replace' | 'merge';

/**
 * Which keys a snapshot may write, and how. Shared by {@link applyInPlace}, {@link hasStateChanges} and
 * {@link mergeImmutable}.
 *
 * @example
 * ```ts
 * const options: StateMergeOptions<Settings> = { mode: 'replace', omitKeys: ['draft'] };
 * ```
 */
export interface StateMergeOptions<S extends object = Record<string, unknown>> {
  /** @default 'replace' */
  mode?: ApplyMode;
  /** Only these top-level keys are synced; every other key is local-only. @default every key */
  pickKeys?: readonly (keyof S & string)[];
  /** These top-level keys are local-only: never written, never removed. Applied after `pickKeys`. */
  omitKeys?: readonly (keyof S & string)[];
}

/**
 * The options every framework adapter accepts (`createPiniaSnapshotApplier`, the Zustand, Vue, Svelte, Valtio
 * and Redux appliers…): how to turn snapshot data into state, which keys to sync, and how to write them.
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the state type written into the store.
 * @example
 * ```ts
 * const options: StateAdapterOptions<SettingsDto, Settings> = {
 *   mode: 'merge',
 *   toState: (dto) => ({ theme: dto.theme, fontSize: dto.font_size }),
 *   omitKeys: ['unsavedDraft'],
 * };
 * ```
 */
export interface StateAdapterOptions<T = unknown, S extends object = Record<string, unknown>>
  extends StateMergeOptions<S> {
  /** Maps snapshot data to state. @default the data itself */
  toState?: (data: T) => S;
  /**
   * When the state (after `toState`) is not a plain object: `true` throws an error (reported by the engine with
   * phase `apply`); `false` skips the snapshot and leaves the state as it is.
   * @default true
   */
  strict?: boolean;
}

/** @internal {@link StateMergeOptions} with its keys widened to strings. */
export interface KeyOptions {
  mode?: ApplyMode;
  pickKeys?: readonly string[];
  omitKeys?: readonly string[];
}

/** @internal Whether a top-level key is synced under `options`. */
export function isSyncedKey(key: string, { pickKeys, omitKeys }: KeyOptions): boolean {
  return !isUnsafeKey(key) && (!pickKeys || pickKeys.includes(key)) && !omitKeys?.includes(key);
}

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value !== 'object'
        ? typeof value
        : `an instance of ${(Object.getPrototypeOf(value) as { constructor?: { name?: string } }).constructor?.name}`;

/**
 * Whether `state` nests deeper than 1,000 levels, measured without recursion (the helpers that write state
 * recurse; refused up front, nothing is written half-way).
 */
function nestsTooDeep(state: object): boolean {
  const stack: unknown[] = [state, 0];
  while (stack.length) {
    const depth = stack.pop() as number;
    const node = stack.pop() as Record<string, unknown>;
    if (typeof node === 'object' && node) {
      if (depth > 1000) return true; // the limit named in readState's error
      for (const key in node) stack.push(node[key], depth + 1);
    }
  }
  return false;
}

/**
 * Checks the options every framework adapter accepts, so that a mistake fails when the applier is created, not
 * at the first snapshot.
 *
 * @throws TypeError when `mode` is set to something other than `'replace'` or `'merge'`; the message says what
 *   was received.
 * @example
 * ```ts
 * import { checkStateOptions } from '@statesync/core/state';
 *
 * checkStateOptions({ mode: 'merge' }); // fine
 * checkStateOptions({ mode: 'overwrite' as never }); // TypeError: Expected `mode` to be 'replace' or 'merge', got "overwrite".
 * ```
 */
export function checkStateOptions({ mode }: { mode?: ApplyMode }): void {
  if (mode !== undefined && mode !== 'replace' && mode !== 'merge')
    throw new TypeError(`Expected \`mode\` to be 'replace' or 'merge', got ${JSON.stringify(mode)}.`);
}

/**
 * Turns snapshot data into the state to apply, without copying it: maps it with `toState` and checks that it is
 * a plain object nested at most 1,000 levels deep (the helpers walk it recursively: deeper data is refused
 * before anything is written, instead of overflowing the stack half-way through a write). The result may still hold `__proto__`, `constructor` or `prototype` keys and keys outside
 * `pickKeys` / inside `omitKeys`: pass it only to {@link applyInPlace}, {@link hasStateChanges} or
 * {@link mergeImmutable}, which skip those keys and copy only what they write (cheaper than a full
 * {@link toSafeState} copy when most of a large state is unchanged).
 *
 * @returns the state, or `undefined` when it is not a plain object and `strict` is `false` (skip the apply).
 * @throws TypeError when it is not a plain object and `strict` is not `false`; the message says what was received.
 * @example
 * ```ts
 * import { mergeImmutable, readState } from '@statesync/core/state';
 *
 * const state = readState(snapshot.data, options);
 * if (state) store.setState(mergeImmutable(store.getState(), state, options), true);
 * ```
 */
export function readState<T, S extends object = Record<string, unknown>>(
  data: T,
  options: StateAdapterOptions<T, S>,
): S | undefined {
  const state: unknown = options.toState ? options.toState(data) : data;
  const deep = isPlainObject(state) && nestsTooDeep(state);
  if (isPlainObject(state) && !deep) return state as S;
  if (options.strict === false) return undefined;
  throw new TypeError(
    `Expected the snapshot state to be a plain object at most 1000 levels deep, got ${deep ? 'one deeper' : describe(state)}${options.toState ? ' from `toState`' : ''}. ` +
      'Map the data to an object with `toState`, or set `strict: false` to skip such snapshots.',
  );
}

/**
 * Turns snapshot data into the state to apply: maps it with `toState`, checks that it is a plain object, keeps
 * only synced keys (`pickKeys` / `omitKeys`), and returns a fresh deep copy without `__proto__`, `constructor`
 * or `prototype` keys at any depth. The adapters use the cheaper {@link readState}; this is for code that keeps
 * the state itself.
 *
 * @returns the state, or `undefined` when it is not a plain object and `strict` is `false` (skip the apply).
 * @throws TypeError when it is not a plain object and `strict` is not `false`; the message says what was received.
 * @example
 * ```ts
 * import { toSafeState } from '@statesync/core/state';
 *
 * const state = toSafeState(JSON.parse('{"theme":"dark","__proto__":{"admin":true}}'), {});
 * // { theme: 'dark' } (an own "__proto__" key never makes it through)
 * ```
 */
export function toSafeState<T, S extends object = Record<string, unknown>>(
  data: T,
  options: StateAdapterOptions<T, S>,
): S | undefined {
  const state = readState(data, options);
  // Merged into a fresh object: a copy of the synced keys, without unsafe keys at any depth.
  return state && mergeImmutable({} as S, state, options);
}
