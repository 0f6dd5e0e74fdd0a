import { describe, isCanonicalRevision, REVISION_RULE, type Revision, textOf } from './revision';

/**
 * Names one synchronized resource: `'settings'`, `'cache:user:123'`. Never empty.
 *
 * @example
 * ```ts
 * const topic: Topic = 'settings';
 * ```
 */
export type Topic = string;

/**
 * "A revision at least this new exists for `topic`": a hint that the local copy may be stale.
 * Events may be lost, duplicated, reordered or forged; the snapshot is the only truth.
 *
 * @example
 * ```ts
 * const event: InvalidationEvent = { topic: 'settings', revision: parseRevision('8'), sourceId: 'main' };
 * ```
 */
export interface InvalidationEvent {
  readonly topic: Topic;
  readonly revision: Revision;
  /** Who wrote the change (lets a writer ignore its own echo in `shouldRefresh`). */
  readonly sourceId?: string;
  /** When the change was made: whole milliseconds since the Unix epoch (a `u64` on the Rust side). */
  readonly timestampMs?: number;
  /** The source's epoch; a different epoch than the local one always triggers a fetch. */
  readonly epoch?: string;
  /**
   * The snapshot at `revision`, carried inline (untrusted, like the rest of the event). The engine applies it
   * through the same checks as a fetched one (revision, epoch, `schema`) and skips the fetch; an inline event
   * whose epoch differs from the local one is never applied from the event: it triggers a fetch instead.
   * Only send it on channels whose senders are trusted.
   */
  readonly data?: unknown;
}

/**
 * The canonical state of a topic at `revision`. What the engine hands out (to the applier, `schema`…) carries a
 * checked {@link Revision}; what a provider returns may use a plain string (`SnapshotEnvelope<T, string>`): the
 * engine checks it at the boundary and reports a non-canonical one (phase `protocol`, with the fix).
 *
 * @example
 * ```ts
 * const envelope: SnapshotEnvelope<{ theme: string }> = { revision: parseRevision('8'), data: { theme: 'dark' } };
 * const provided: SnapshotEnvelope<{ theme: string }, string> = { revision: '8', data: { theme: 'dark' } };
 * ```
 */
export interface SnapshotEnvelope<T = unknown, R extends string = Revision> {
  readonly revision: R;
  readonly data: T;
  /** Changes when the source restarts without keeping its revision; such a snapshot is applied regardless. */
  readonly epoch?: string;
}

/**
 * Result of the boundary parsers: the parsed value, or every issue found.
 *
 * @example
 * ```ts
 * const r: ParseResult<InvalidationEvent> = parseInvalidationEvent(payload);
 * if (!r.ok) console.warn(r.issues);
 * ```
 */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly string[] };

type Check = readonly [
  key: string,
  ok: (value: unknown, record: object) => boolean,
  expected: string,
  optional?: 1,
];
const isString = (value: unknown): boolean => typeof value === 'string';
const isTopic = (v: unknown): boolean => isString(v) && v !== '';
const isTimestamp = (v: unknown): boolean =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 64;
const EVENT: readonly Check[] = [
  ['topic', isTopic, 'a non-empty string'],
  ['revision', isCanonicalRevision, REVISION_RULE],
  ['sourceId', isString, 'a string', 1],
  ['timestampMs', isTimestamp, 'a whole number of milliseconds ≥ 0', 1],
  ['epoch', isString, 'a string', 1],
  ['data', (v) => v !== null, 'left out rather than null', 1],
];
const ENVELOPE: readonly Check[] = [
  ['revision', isCanonicalRevision, REVISION_RULE],
  ['data', (_, record) => 'data' in record, ''],
  ['epoch', isString, 'a string', 1],
];

/** What to send instead of a revision that is not canonical but means one (a number, leading zeros). */
const revisionFix = (value: unknown): string => {
  const text =
    typeof value === 'number' || typeof value === 'bigint'
      ? String(value)
      : typeof value === 'string'
        ? value.trim().replace(/^\+?0+(?=\d)/, '')
        : '';
  return isCanonicalRevision(text)
    ? ` (${typeof value === 'string' ? 'not canonical' : `a ${typeof value}`}): send it as the string "${text}"`
    : '';
};

/**
 * @internal Checks `input` against `checks`: a fresh object holding only the known fields (each read once),
 * or every issue found. Never throws.
 */
function parseWith<T>(input: unknown, checks: readonly Check[], shape: string): ParseResult<T> {
  const issues: string[] = [];
  const value: Record<string, unknown> = {};
  try {
    // Inside the try: Array.isArray throws on a revoked Proxy.
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      return { ok: false, issues: [`expected an object like ${shape}, got ${describe(input)}`] };
    for (const [key, ok, expected, optional] of checks) {
      const field = (input as Record<string, unknown>)[key];
      if (optional && field === undefined) continue;
      if (ok(field, input)) value[key] = field;
      else
        issues.push(
          field === undefined
            ? `\`${key}\` is missing`
            : `\`${key}\` must be ${expected}, got ${describe(field)}${key === 'revision' ? revisionFix(field) : ''}`,
        );
    }
  } catch (error) {
    // textOf() reads what was thrown under its own guard: it may be hostile too.
    return { ok: false, issues: [`reading it threw: ${textOf(error)}`] };
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: value as T };
}

/** @internal A snapshot envelope, with `epoch` only when there is one. */
export const envelope = (revision: Revision, data: unknown, epoch: string | undefined): SnapshotEnvelope =>
  epoch === undefined ? { revision, data } : { revision, data, epoch };

/**
 * @internal The same rules as EVENT, spelled out on fields read once: monomorphic calls on the path every
 * event takes. Only a malformed event goes through the table, which names each issue.
 */
export const isEventFields = (
  topic: unknown,
  revision: unknown,
  sourceId: unknown,
  timestampMs: unknown,
  epoch: unknown,
  data?: unknown,
): boolean =>
  isTopic(topic) &&
  isCanonicalRevision(revision) &&
  (sourceId === undefined || isString(sourceId)) &&
  (timestampMs === undefined || isTimestamp(timestampMs)) &&
  (epoch === undefined || isString(epoch)) &&
  data !== null;

/**
 * Parses an untrusted invalidation event (as received from a transport). Returns a fresh object holding
 * only the known fields, or the list of issues. Never throws, whatever the input (getters that throw
 * included).
 *
 * @example
 * ```ts
 * const r = parseInvalidationEvent(JSON.parse(message));
 * if (r.ok) console.log(r.value.topic, r.value.revision);
 * ```
 */
export function parseInvalidationEvent(input: unknown): ParseResult<InvalidationEvent> {
  return parseWith(input, EVENT, '{ topic, revision }');
}

/**
 * Parses an untrusted snapshot envelope `{ revision, data, epoch? }`. `data` is passed through untouched
 * (validate it with a `schema`). Never throws.
 *
 * @example
 * ```ts
 * const r = parseSnapshotEnvelope(await invoke('get_snapshot'));
 * if (!r.ok) throw new Error(r.issues.join('; '));
 * ```
 */
export function parseSnapshotEnvelope(input: unknown): ParseResult<SnapshotEnvelope> {
  return parseWith(input, ENVELOPE, '{ revision, data }');
}

/**
 * Stops a subscription. May be async; may be called once.
 *
 * @example
 * ```ts
 * const unsubscribe: Unsubscribe = await subscriber.subscribe(handler);
 * unsubscribe();
 * ```
 */
export type Unsubscribe = () => void | Promise<void>;

/**
 * Delivers invalidation events. The handler receives raw, untrusted payloads (`unknown`): the engine parses
 * them at the boundary and reports malformed ones with phase `protocol`. The handler never throws.
 *
 * @example
 * ```ts
 * const subscriber: InvalidationSubscriber = {
 *   async subscribe(handler) {
 *     const ws = new WebSocket(url);
 *     ws.onmessage = (m) => handler(JSON.parse(m.data));
 *     return () => ws.close();
 *   },
 * };
 * ```
 */
export interface InvalidationSubscriber {
  subscribe(handler: (event: unknown) => void): Promise<Unsubscribe>;
}

/**
 * Context passed to {@link SnapshotProvider.getSnapshot}. The signal aborts on timeout and on `stop()`.
 *
 * @example
 * ```ts
 * getSnapshot: ({ signal }) => fetch('/api/settings', { signal }).then((r) => r.json())
 * ```
 */
export interface SnapshotRequest {
  readonly signal: AbortSignal;
}

/**
 * Returns the current canonical snapshot. The result is parsed by the engine, so a provider may return
 * untrusted JSON, and its `revision` may be a plain string (`'5'`): the engine checks it is canonical.
 *
 * @example
 * ```ts
 * const provider: SnapshotProvider<Settings> = {
 *   getSnapshot: ({ signal } = { signal: AbortSignal.timeout(5000) }) =>
 *     fetch('/api/settings', { signal }).then((r) => r.json()),
 * };
 * ```
 */
export interface SnapshotProvider<T = unknown> {
  getSnapshot(request?: SnapshotRequest): Promise<SnapshotEnvelope<T, string>>;
}

/**
 * Writes a snapshot into local state. Called only with snapshots newer than the last one applied (or of a
 * new epoch), one at a time.
 *
 * @example
 * ```ts
 * const applier: SnapshotApplier<Settings> = { apply: ({ data }) => { settings.value = data; } };
 * ```
 */
export interface SnapshotApplier<T = unknown> {
  apply(snapshot: SnapshotEnvelope<T>): void | Promise<void>;
}
