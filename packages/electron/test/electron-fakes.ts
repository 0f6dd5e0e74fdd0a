// Structural stand-ins for Electron's ipcMain, webContents, ipcRenderer and contextBridge, following Electron's
// documented behaviour: IPC arguments and results are copied with the structured clone algorithm; a second
// `ipcMain.handle` for a channel throws; an error thrown in a handler rejects `invoke` with
// "Error invoking remote method '<channel>': <error>"; `senderFrame` is null once the frame navigated or was
// destroyed; sending to a destroyed webContents throws "Object has been destroyed".
import type { IpcMainInvokeEvent, IpcRenderer } from 'electron';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
type Listener = (event: unknown, ...args: unknown[]) => void;
interface FakeWebContents {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
}

export function createFakeElectron() {
  const handlers = new Map<string, Handler>();
  /** Every window created, as `webContents.getAllWebContents()` sees them. */
  const all: { readonly webContents: FakeWebContents }[] = [];
  let nextId = 1;
  /** Wraps `webContents.send` of every window created from now on (faults, spies). */
  let sendHook: ((deliver: () => void) => void) | undefined;

  const ipcMain = {
    handle(channel: string, handler: Handler) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
    handlerCount: () => handlers.size,
  };

  function createWindow(url: string) {
    const listeners = new Map<string, Set<Listener>>();
    const win = {
      id: nextId++,
      url,
      destroyed: false,
      /** Set to simulate a frame that navigated away or was destroyed while a request was in flight. */
      frameGone: false,
      webContents: {
        isDestroyed: () => win.destroyed,
        getURL: () => win.url,
        send(channel: string, ...args: unknown[]) {
          if (win.destroyed) throw new TypeError('Object has been destroyed');
          const copies = structuredClone(args);
          const deliver = () => {
            for (const listener of [...(listeners.get(channel) ?? [])])
              listener({ sender: ipcRenderer }, ...copies);
          };
          if (sendHook) sendHook(deliver);
          else queueMicrotask(deliver);
        },
      },
      /** What a preload script receives (Electron's `on` returns the real IpcRenderer, hence the cast). */
      ipcRenderer: undefined as unknown as Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>,
      listenerCount: (channel: string) => listeners.get(channel)?.size ?? 0,
      destroy() {
        win.destroyed = true;
        listeners.clear();
      },
    };
    const ipcRenderer = {
      on(channel: string, listener: Listener) {
        listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
        return ipcRenderer;
      },
      removeListener(channel: string, listener: Listener) {
        listeners.get(channel)?.delete(listener);
        return ipcRenderer;
      },
      async invoke(channel: string, ...args: unknown[]) {
        const handler = handlers.get(channel);
        if (!handler)
          throw new Error(
            `Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`,
          );
        const event = {
          sender: win.webContents,
          senderFrame: win.frameGone ? null : { url: win.url },
        } as unknown as IpcMainInvokeEvent;
        try {
          return structuredClone(await handler(event, ...structuredClone(args)));
        } catch (error) {
          throw new Error(`Error invoking remote method '${channel}': ${error}`);
        }
      },
    };
    win.ipcRenderer = ipcRenderer as unknown as Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
    all.push(win);
    return win;
  }

  const webContents = { getAllWebContents: () => all.map((w) => w.webContents) };

  /** contextBridge: the page's world receives copies of values and proxies of functions, never other objects. */
  function createContextBridge() {
    const world: Record<string, unknown> = {};
    return {
      world,
      exposeInMainWorld(key: string, api: Record<string, unknown>) {
        if (key in world)
          throw new Error(`Cannot bind an API on top of an existing property on the window object`);
        const exposed: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(api))
          exposed[name] =
            typeof value === 'function'
              ? (...args: unknown[]) => (value as (...a: unknown[]) => unknown)(...args)
              : structuredClone(value);
        world[key] = Object.freeze(exposed);
      },
    };
  }

  return {
    ipcMain,
    webContents,
    createWindow,
    createContextBridge,
    setSendHook(hook: typeof sendHook) {
      sendHook = hook;
    },
  };
}
