/**
 * The wire protocol between `@statesync/server` and its clients, version 1: JSON text in WebSocket frames and
 * in SSE `data:` lines. See docs/guide/wire-protocol.md and the vectors in conformance/server/.
 */

/**
 * Where a topic stands, as a server knows it.
 *
 * @example
 * ```ts
 * const state: WireTopicState = { topic: 'settings', revision: '12', epoch: '6f9c…' };
 * ```
 */
export interface WireTopicState {
  readonly topic: string;
  readonly revision: string;
  readonly epoch: string;
}

/**
 * Codes of server `error` messages and HTTP error bodies.
 *
 * @example
 * ```ts
 * const code: WireErrorCode = 'forbidden';
 * ```
 */
export type WireErrorCode =
  | 'bad_request'
  | 'forbidden'
  | 'too_many_subscriptions'
  | 'too_large'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'internal';

/**
 * A message from the server.
 *
 * - `hello`: first message of a connection, with the heartbeat period.
 * - `poke`: a topic changed (also sent once right after a subscription is granted); `data` when small (inline).
 * - `heartbeat`: every `heartbeatMs`, where each subscribed topic stands (a missed poke costs one heartbeat).
 * - `error`: a refused request (`topic` when it concerns one); the connection stays open.
 *
 * @example
 * ```ts
 * const poke: ServerMessage = { type: 'poke', topic: 'settings', revision: '12', epoch: '6f9c…' };
 * ```
 */
export type ServerMessage =
  | { readonly type: 'hello'; readonly protocol: 1; readonly heartbeatMs: number }
  | (WireTopicState & { readonly type: 'poke'; readonly data?: unknown })
  | { readonly type: 'heartbeat'; readonly topics: readonly WireTopicState[] }
  | {
      readonly type: 'error';
      readonly code: WireErrorCode;
      readonly message: string;
      readonly topic?: string;
    };

/**
 * A message from a client (WebSocket only; SSE names its topics in the URL).
 *
 * @example
 * ```ts
 * const message: ClientMessage = { type: 'subscribe', topics: ['settings', 'board:42'] };
 * ```
 */
export type ClientMessage =
  | { readonly type: 'subscribe'; readonly topics: readonly string[] }
  | { readonly type: 'unsubscribe'; readonly topics: readonly string[] };

/** @internal Canonical u64 decimal. */
const REVISION = /^(0|[1-9][0-9]{0,19})$/;
const MAX = '18446744073709551615';
/** @internal */
export const isRevisionText = (v: unknown): v is string =>
  typeof v === 'string' && REVISION.test(v) && (v.length < 20 || v <= MAX);
const isTopic = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length <= 1024;
const has = (o: object, k: string): boolean => Object.hasOwn(o, k);
const ERROR_CODES: ReadonlySet<string> = new Set<WireErrorCode>([
  'bad_request',
  'forbidden',
  'too_many_subscriptions',
  'too_large',
  'not_found',
  'conflict',
  'unavailable',
  'internal',
]);

/** @internal A topic state read from untrusted JSON, or undefined. */
export function parseTopicState(v: unknown): WireTopicState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { topic, revision, epoch } = v as Record<string, unknown>;
  return isTopic(topic) && isRevisionText(revision) && typeof epoch === 'string'
    ? { topic, revision, epoch }
    : undefined;
}

/**
 * Parses a server message (untrusted text). Never throws: an `Error` describes what is wrong.
 *
 * @example
 * ```ts
 * const message = parseServerMessage('{"type":"hello","protocol":1,"heartbeatMs":15000}');
 * ```
 */
export function parseServerMessage(text: unknown): ServerMessage | Error {
  let m: unknown;
  try {
    m = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    return new Error('not JSON');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return new Error('not an object');
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'hello':
      return o.protocol === 1 && Number.isInteger(o.heartbeatMs) && (o.heartbeatMs as number) > 0
        ? { type: 'hello', protocol: 1, heartbeatMs: o.heartbeatMs as number }
        : new Error('a hello message needs protocol 1 and a whole heartbeatMs > 0');
    case 'poke': {
      const state = parseTopicState(o);
      if (!state) return new Error('a poke needs a topic, a canonical revision and an epoch');
      // Inline data `null` is never sent (readers fetch it); such a poke is a plain invalidation.
      return has(o, 'data') && o.data !== null
        ? { type: 'poke', ...state, data: o.data }
        : { type: 'poke', ...state };
    }
    case 'heartbeat': {
      if (!Array.isArray(o.topics)) return new Error('a heartbeat needs a topics array');
      const topics: WireTopicState[] = [];
      for (const t of o.topics) {
        const state = parseTopicState(t);
        if (!state) return new Error('a heartbeat entry needs a topic, a canonical revision and an epoch');
        topics.push(state);
      }
      return { type: 'heartbeat', topics };
    }
    case 'error':
      return typeof o.code === 'string' &&
        ERROR_CODES.has(o.code) &&
        typeof o.message === 'string' &&
        (!has(o, 'topic') || isTopic(o.topic))
        ? {
            type: 'error',
            code: o.code as WireErrorCode,
            message: o.message,
            ...(has(o, 'topic') ? { topic: o.topic as string } : {}),
          }
        : new Error('an error message needs a known code, a message and, if any, a valid topic');
    default:
      return new Error(`unknown server message type "${String(o.type).slice(0, 40)}"`);
  }
}

/**
 * Parses a client message (untrusted text) against the server's limits. Never throws.
 *
 * @example
 * ```ts
 * const message = parseClientMessage('{"type":"subscribe","topics":["settings"]}', 64);
 * ```
 */
export function parseClientMessage(text: string, maxTopics: number): ClientMessage | Error {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return new Error('the message is not JSON');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    return new Error('the message is not an object');
  const { type, topics } = m as Record<string, unknown>;
  if (type !== 'subscribe' && type !== 'unsubscribe')
    return new Error('`type` must be "subscribe" or "unsubscribe"');
  if (!Array.isArray(topics) || topics.length === 0 || topics.length > maxTopics)
    return new Error(`\`topics\` must be an array of 1 to ${maxTopics} topics`);
  for (const t of topics)
    if (!isTopic(t)) return new Error('each topic must be a non-empty string of at most 1024 characters');
  return { type, topics: topics as string[] };
}
