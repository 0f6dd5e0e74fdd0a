// A small transport over a node:worker_threads MessagePort (or a Worker): the window side is an
// InvalidationSubscriber and a SnapshotProvider; the host (demo.ts) forwards events and answers fetches.
import type {
  InvalidationSubscriber,
  SnapshotEnvelope,
  SnapshotProvider,
  Unsubscribe,
} from '@statesync/core';

/** The part of a worker_threads MessagePort (or Worker) this transport uses. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(type: 'message', listener: (message: unknown) => void): unknown;
}

/** Messages from the host to a window. */
export type HostMessage =
  | { kind: 'event'; event: unknown }
  | { kind: 'snapshot'; id: number; envelope: SnapshotEnvelope }
  | { kind: 'snapshot-error'; id: number; message: string };
/** Messages from a window to the host. */
export type WindowMessage =
  | { kind: 'fetch'; id: number }
  | { kind: 'abort'; id: number }
  | { kind: 'status'; status: string; revision: string; attempt: number; error?: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export function listen(port: PortLike, listener: (message: unknown) => void): void {
  port.on('message', listener);
}

/** The window side: events and snapshots arrive on `port`; fetches are requests with an id. */
export function createPortTransport<T>(port: PortLike): {
  subscriber: InvalidationSubscriber;
  provider: SnapshotProvider<T>;
} {
  const handlers = new Set<(event: unknown) => void>();
  const pending = new Map<
    number,
    { resolve(value: SnapshotEnvelope<T>): void; reject(error: Error): void }
  >();
  let seq = 0;
  listen(port, (message) => {
    if (!isRecord(message)) return;
    if (message.kind === 'event') for (const handler of [...handlers]) handler(message.event);
    const waiter = typeof message.id === 'number' ? pending.get(message.id) : undefined;
    if (!waiter) return; // answered after a timeout or abort: dropped
    pending.delete(message.id as number);
    if (message.kind === 'snapshot') waiter.resolve(message.envelope as SnapshotEnvelope<T>);
    else waiter.reject(new Error(String(message.message)));
  });
  return {
    subscriber: {
      async subscribe(handler): Promise<Unsubscribe> {
        const listener = (event: unknown) => handler(event);
        handlers.add(listener);
        return () => void handlers.delete(listener);
      },
    },
    provider: {
      getSnapshot(request) {
        return new Promise((resolve, reject) => {
          const id = ++seq;
          const signal = request?.signal;
          const onAbort = () => {
            pending.delete(id);
            port.postMessage({ kind: 'abort', id } satisfies WindowMessage);
            reject(signal?.reason);
          };
          pending.set(id, {
            resolve: (value) => {
              signal?.removeEventListener('abort', onAbort);
              resolve(value);
            },
            reject: (error) => {
              signal?.removeEventListener('abort', onAbort);
              reject(error);
            },
          });
          signal?.addEventListener('abort', onAbort, { once: true });
          port.postMessage({ kind: 'fetch', id } satisfies WindowMessage);
        });
      },
    },
  };
}
