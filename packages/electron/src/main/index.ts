import type { InvalidationSubscriber, SnapshotProvider, Topic } from '@statesync/core';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { DEFAULT_CHANNEL } from '../index';

/**
 * Options of {@link createElectronMain}. Electron's objects are passed in (this package never imports
 * `electron` at run time).
 *
 * @example
 * ```ts
 * import { ipcMain, webContents } from 'electron';
 * const options: ElectronMainOptions = { ipcMain, webContents, sources: { settings }, allow: ['app://main'] };
 * ```
 */
export interface ElectronMainOptions {
  /** Electron's `ipcMain`. */
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** Electron's `webContents` module: events go to every one of `getAllWebContents()` that is allowed. */
  webContents: { getAllWebContents(): Pick<WebContents, 'isDestroyed' | 'getURL' | 'send'>[] };
  /** The topics served, by name. Requests for any other topic are refused. */
  sources: Readonly<Record<Topic, InvalidationSubscriber & SnapshotProvider>>;
  /**
   * Which pages may read: URLs (`'app://main'`, `'https://app.example.com'`, `'file:///opt/app/'`) that the
   * frame's URL must equal or extend at a `/` boundary, or a function of the URL. Checked on every request
   * (`event.senderFrame.url`) and before every event is sent (`webContents.getURL()`). Nothing else is allowed.
   */
  allow: readonly string[] | ((url: string) => boolean);
  /** Prefix of the IPC channels (`<channel>:snapshot`, `<channel>:event`). @default 'statesync' */
  channel?: string;
  /** Receives refused requests and failures to send. */
  onError?: (error: Error) => void;
}

/**
 * Creates the main-process side: `ipcMain.handle('<channel>:snapshot')` answers `getSnapshot(topic)` for allowed
 * frames, and every event of every source is sent on `<channel>:event` to each allowed, live `webContents` —
 * windows created later included (the list is read at each event), destroyed ones skipped. Returns the cleanup.
 *
 * @example
 * ```ts
 * import { app, ipcMain, webContents } from 'electron';
 * import { createSnapshotSource } from '@statesync/core';
 * import { createElectronMain } from '@statesync/electron/main';
 *
 * const settings = createSnapshotSource({ topic: 'settings', initial: { theme: 'light' } });
 * const stop = createElectronMain({ ipcMain, webContents, sources: { settings }, allow: ['app://main'] });
 * app.on('will-quit', stop);
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createElectronMain(options: ElectronMainOptions): () => void {
  const { ipcMain, webContents, allow, channel = DEFAULT_CHANNEL } = options;
  const report = (error: unknown) => {
    try {
      options.onError?.(error as Error);
    } catch {}
  };
  const allowed = (url: string | undefined) =>
    typeof url === 'string' &&
    (typeof allow === 'function'
      ? allow(url)
      : allow.some((entry) => url === entry || url.startsWith(entry.endsWith('/') ? entry : `${entry}/`)));
  const sources = new Map(Object.entries(options.sources));
  const unsubscribes = [...sources.values()].map((source) =>
    source
      .subscribe((event) => {
        for (const contents of webContents.getAllWebContents())
          try {
            if (!contents.isDestroyed() && allowed(contents.getURL()))
              contents.send(`${channel}:event`, event);
          } catch (error) {
            report(error);
          }
      })
      .catch((error) => {
        report(error);
        return () => {};
      }),
  );
  const name = `${channel}:snapshot`;
  ipcMain.handle(name, (event: IpcMainInvokeEvent, topic: unknown) => {
    const url = event.senderFrame?.url;
    const source = typeof topic === 'string' ? sources.get(topic) : undefined;
    const error = !allowed(url)
      ? `a frame at ${JSON.stringify(url)} is not allowed`
      : !source && `unknown topic ${JSON.stringify(topic)}`;
    if (error) {
      report(Error(`${name}: ${error}`));
      throw Error(error);
    }
    return source?.getSnapshot();
  });
  return () => {
    ipcMain.removeHandler(name);
    for (const unsubscribe of unsubscribes) void unsubscribe.then((stop) => stop());
  };
}
