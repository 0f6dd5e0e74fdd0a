import type { SnapshotEnvelope, SnapshotProvider, SnapshotRequest } from '@statesync/core';
import { ServerError } from './connection';
import type { FetchLike } from './sse';

/**
 * Options of {@link createHttpSnapshotProvider}.
 *
 * @example
 * ```ts
 * const options: HttpSnapshotProviderOptions = { url: 'https://sync.example/statesync', topic: 'board' };
 * ```
 */
export interface HttpSnapshotProviderOptions {
  /** The server's base URL (`…/statesync`), or several (the next one after a network failure). */
  url: string | readonly string[];
  topic: string;
  /** Extra request headers (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
}

const codeOf = (status: number) =>
  status === 403
    ? 'forbidden'
    : status === 404
      ? 'not_found'
      : status === 503
        ? 'unavailable'
        : status === 400
          ? 'bad_request'
          : 'internal';

/**
 * A `SnapshotProvider` over `GET <url>/snapshot?topic=…`: passes the engine's `AbortSignal` to `fetch`, sends the
 * last ETag as `If-None-Match`, and answers a 304 with the envelope it already has. With several URLs, a network
 * failure tries the next one within the same call (each at most once). The engine parses and checks the envelope.
 *
 * @example
 * ```ts
 * const provider = createHttpSnapshotProvider({ url: 'https://sync.example/statesync', topic: 'board' });
 * ```
 */
export function createHttpSnapshotProvider<T = unknown>(
  options: HttpSnapshotProviderOptions,
): SnapshotProvider<T> {
  const fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!fetchFn) throw new TypeError('No fetch here: pass `fetch`.');
  const { topic } = options;
  if (typeof topic !== 'string' || topic === '')
    throw new TypeError('Expected `topic` to be a non-empty string.');
  const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
  if (urls.length === 0) throw new TypeError('Expected at least one URL.');
  let index = 0;
  let etag: string | undefined;
  let last: SnapshotEnvelope<T> | undefined;
  return {
    async getSnapshot(request?: SnapshotRequest) {
      const signal = request?.signal ?? new AbortController().signal;
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (etag && last) headers['if-none-match'] = etag;
      let response: Awaited<ReturnType<FetchLike>> | undefined;
      // A network failure (a server that went away) moves on to the next URL at once, within this call: the
      // engine's backoff is for a source that fails, not for one dead server among several.
      for (let tried = 1; !response; tried++) {
        const base = (urls[index % urls.length] as string).replace(/\/$/, '');
        try {
          response = await fetchFn(`${base}/snapshot?topic=${encodeURIComponent(topic)}`, {
            signal,
            headers,
          });
        } catch (error) {
          if (signal.aborted) throw error;
          index++;
          if (tried >= urls.length) throw error;
        }
      }
      if (response.status === 304 && last) return last;
      if (!response.ok) {
        const body = (await response.json().catch(() => undefined)) as { message?: unknown } | undefined;
        const detail = typeof body?.message === 'string' ? body.message : `HTTP ${response.status}`;
        throw new ServerError(codeOf(response.status), `Snapshot of "${topic}" failed: ${detail}`, topic);
      }
      const envelope = (await response.json()) as SnapshotEnvelope<T>;
      etag = response.headers.get('etag') ?? undefined;
      last = envelope;
      return envelope;
    },
  };
}
