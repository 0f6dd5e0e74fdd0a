/**
 * Anything that carries structured-clone messages both ways: a `MessagePort` (from a `MessageChannel` or a
 * `SharedWorker`'s `port`), a `Worker`, a worker's own global scope (`self`), Node's `worker_threads`
 * `MessagePort`/`parentPort` (these have `addEventListener`) and Node's `Worker` (it has `on`/`off`).
 * A window is not one: it needs an exact target origin, see {@link createWindowChannel}.
 *
 * @example
 * ```ts
 * const { port1 }: { port1: PortLike } = new MessageChannel();
 * ```
 */
export interface PortLike {
  postMessage(message: unknown): void;
  // `Event`, not `MessageEvent`: Node's MessagePort declares the generic EventTarget signature.
  addEventListener?(type: 'message', listener: (event: Event) => void): void;
  removeEventListener?(type: 'message', listener: (event: Event) => void): void;
  on?(type: 'message', listener: (value: unknown) => void): unknown;
  off?(type: 'message', listener: (value: unknown) => void): unknown;
  /** A `MessagePort` delivers nothing until started (`onmessage` starts it; `addEventListener` does not). */
  start?(): void;
  /** Called by the channel's `close()` only on a port that has `start` (a `MessagePort`). */
  close?(): void;
}

/**
 * The one shape both sides use: send a message, listen for messages (and, where the runtime tells, for the
 * other side closing), close. {@link toChannel} makes one from a {@link PortLike};
 * {@link createWindowChannel} from a window. Write your own for any other carrier.
 *
 * @example
 * ```ts
 * const channel: PortChannel = toChannel(new MessageChannel().port1);
 * const stop = channel.listen((data) => console.log(data));
 * ```
 */
export interface PortChannel {
  /** Posts one message; may throw (a `DataCloneError` for data that cannot be cloned). */
  send(message: unknown): void;
  /**
   * Starts delivering received messages (as they arrived: untrusted) to `receive`, and calls `closed` when
   * the runtime reports that the other side is gone. Returns the function that stops both.
   */
  listen(receive: (data: unknown) => void, closed?: () => void): () => void;
  /** Closes the underlying port, if it can be closed. */
  close?(): void;
}

/**
 * Wraps a {@link PortLike} as a {@link PortChannel}. `addEventListener` is used where it exists (it delivers a
 * `MessageEvent`, the data is read from `.data`), else Node's `on`/`off` (which delivers the data itself). The
 * port is started, and `close()` closes only a `MessagePort` (never a worker's global scope, which `close()` would
 * terminate, nor a `Worker`). `closed` fires on the port's `close` event (Node's `MessagePort`, and browsers that
 * implement it: Chromium 156 does not) or a Node `Worker`'s `exit`.
 *
 * @example
 * ```ts
 * import { Worker } from 'node:worker_threads';
 * const channel = toChannel(new Worker('./state-worker.mjs'));
 * ```
 */
export function toChannel(port: PortLike | PortChannel): PortChannel {
  if ('listen' in port) return port;
  return {
    send: (message) => port.postMessage(message),
    listen(receive, closed = () => {}) {
      const onMessage = (event: Event) => receive((event as MessageEvent).data);
      const add = port.addEventListener;
      if (add) {
        add.call(port, 'message', onMessage);
        add.call(port, 'close' as 'message', closed);
        port.start?.();
        return () => {
          port.removeEventListener?.('message', onMessage);
          port.removeEventListener?.('close' as 'message', closed);
        };
      }
      port.on?.('message', receive);
      port.on?.('exit' as 'message', closed);
      return () => {
        port.off?.('message', receive);
        port.off?.('exit' as 'message', closed);
      };
    },
    // Only a MessagePort (it has `start`) is closed: `close()` on a worker's global scope would end the worker.
    close: () => port.start && port.close?.(),
  };
}

/**
 * Options of {@link createWindowChannel}.
 *
 * @example
 * ```ts
 * const options: WindowChannelOptions = {
 *   target: iframe.contentWindow!,
 *   targetOrigin: 'https://widgets.example.com',
 *   onReject: (event) => console.warn('rejected a message from', event.origin),
 * };
 * ```
 */
export interface WindowChannelOptions {
  /** The other window: `iframe.contentWindow` in the parent, `window.parent` in the frame, or a popup. */
  target: Pick<Window, 'postMessage'>;
  /**
   * The other window's exact origin (`'https://app.example.com'`). Every message is posted with it and every
   * received one must come from it. `'*'`, `'/'` and anything that is not a serialized origin are refused.
   */
  targetOrigin: string;
  /** The window that receives the other side's messages. @default globalThis */
  self?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  /**
   * Called with each state-sync message that was ignored because it came from another origin or another
   * window (a forged or misdirected message). Never throws into the channel.
   */
  onReject?: (event: MessageEvent) => void;
}

/**
 * A {@link PortChannel} between two windows (a page and its iframe, or a popup): posts with the exact
 * `targetOrigin` (never `'*'`), accepts a message only if its `origin` is `targetOrigin` and its `source` is
 * `target`. State-sync messages from anyone else are ignored and handed to `onReject`; other messages are left
 * alone (the window may carry other traffic).
 *
 * @throws TypeError when `targetOrigin` is not an exact origin.
 * @example
 * ```ts
 * import { connectPort, createWindowChannel } from '@statesync/message-port';
 *
 * // inside the iframe, whose parent is https://app.example.com
 * const client = connectPort(createWindowChannel({ target: window.parent, targetOrigin: 'https://app.example.com' }));
 * ```
 */
export function createWindowChannel(options: WindowChannelOptions): PortChannel {
  const { target, targetOrigin, self = globalThis as unknown as Window, onReject } = options;
  let exact = false;
  try {
    exact = new URL(targetOrigin).origin === targetOrigin && targetOrigin !== 'null';
  } catch {}
  if (!exact)
    throw new TypeError(
      `Expected \`targetOrigin\` to be an exact origin like "https://app.example.com", got ${JSON.stringify(targetOrigin)}.`,
    );
  return {
    send: (message) => target.postMessage(message, targetOrigin),
    listen(receive) {
      const onMessage = (event: MessageEvent) => {
        if (event.origin === targetOrigin && event.source === target) receive(event.data);
        else if ((event.data as { statesync?: unknown } | null)?.statesync !== undefined)
          try {
            onReject?.(event);
          } catch {}
      };
      self.addEventListener('message', onMessage);
      return () => self.removeEventListener('message', onMessage);
    },
  };
}
