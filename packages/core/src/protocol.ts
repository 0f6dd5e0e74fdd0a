import { describe, isCanonicalRevision, MAX_REVISION, type Revision } from './revision';

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
  /** When the change was made, in milliseconds since the Unix epoch. */
  readonly timestampMs?: number;
  /** The source's epoch; a different epoch than the local one always triggers a fetch. */
  readonly epoch?: string;
}

/**
 * The canonical state of a topic at `revision`, as returned by a provider.
 *
 * @example
 * ```ts
 * const envelope: SnapshotEnvelope<{ theme: string }> = { revision: parseRevision('8'), data: { theme: 'dark' } };
 * ```
 */
export interface SnapshotEnvelope<T = unknown> {
  readonly revision: Revision;
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

const revisionIssue = (field: string, value: unknown): string =>
  value === undefined
    ? `\`${field}\` is missing`
    : `\`${field}\` must be a decimal string from "0" to "${MAX_REVISION}" without sign, spaces or leading zeros, got ${describe(value)}`;

function optionalIssues(input: Record<string, unknown>, issues: string[]): void {
  const { sourceId, timestampMs, epoch } = input;
  if (sourceId !== undefined && typeof sourceId !== 'string')
    issues.push(`\`sourceId\` must be a string when present, got ${describe(sourceId)}`);
  if (timestampMs !== undefined && !(typeof timestampMs === 'number' && Number.isFinite(timestampMs)))
    issues.push(`\`timestampMs\` must be a finite number when present, got ${describe(timestampMs)}`);
  if (epoch !== undefined && typeof epoch !== 'string')
    issues.push(`\`epoch\` must be a string when present, got ${describe(epoch)}`);
}

/** @internal Issues of an invalidation event, or `undefined` when it is well-formed. Never throws on plain data. */
export function eventIssues(input: unknown): string[] | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return [`expected an object like { topic, revision }, got ${describe(input)}`];
  const record = input as Record<string, unknown>;
  const issues: string[] = [];
  const { topic, revision } = record;
  if (typeof topic !== 'string' || topic === '')
    issues.push(
      topic === undefined
        ? '`topic` is missing'
        : `\`topic\` must be a non-empty string, got ${describe(topic)}`,
    );
  if (!isCanonicalRevision(revision)) issues.push(revisionIssue('revision', revision));
  optionalIssues(record, issues);
  return issues.length > 0 ? issues : undefined;
}

function pick<T extends object>(base: T, input: Record<string, unknown>): T {
  const out: Record<string, unknown> = base as Record<string, unknown>;
  for (const key of ['sourceId', 'timestampMs', 'epoch'] as const) {
    if (input[key] !== undefined) out[key] = input[key];
  }
  return out as T;
}

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
  try {
    const issues = eventIssues(input);
    if (issues) return { ok: false, issues };
    const record = input as Record<string, unknown>;
    return {
      ok: true,
      value: pick({ topic: record.topic as string, revision: record.revision as Revision }, record),
    };
  } catch (error) {
    return { ok: false, issues: [`reading the event threw: ${describe((error as Error)?.message)}`] };
  }
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
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      return { ok: false, issues: [`expected an object like { revision, data }, got ${describe(input)}`] };
    const record = input as Record<string, unknown>;
    const issues: string[] = [];
    if (!isCanonicalRevision(record.revision)) issues.push(revisionIssue('revision', record.revision));
    if (!('data' in record)) issues.push('`data` is missing');
    const { epoch } = record;
    if (epoch !== undefined && typeof epoch !== 'string')
      issues.push(`\`epoch\` must be a string when present, got ${describe(epoch)}`);
    if (issues.length > 0) return { ok: false, issues };
    const value: { revision: Revision; data: unknown; epoch?: string } = {
      revision: record.revision as Revision,
      data: record.data,
    };
    if (epoch !== undefined) value.epoch = epoch as string;
    return { ok: true, value };
  } catch (error) {
    return { ok: false, issues: [`reading the envelope threw: ${describe((error as Error)?.message)}`] };
  }
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
 * untrusted JSON typed as `SnapshotEnvelope<T>`.
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
  getSnapshot(request?: SnapshotRequest): Promise<SnapshotEnvelope<T>>;
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
