// The few Electron APIs the docs use (guide/custom-transports.md), with Electron's signatures (arguments that
// Electron types as `any` are `never[]` here, so that listeners may declare what they expect). Electron itself
// is not a dependency of the docs build: installing it downloads a browser binary.
declare module 'electron' {
  interface IpcMainInvokeEvent {
    readonly sender: WebContents;
  }
  interface IpcRendererEvent {
    readonly sender: unknown;
  }
  interface WebContents {
    send(channel: string, ...args: unknown[]): void;
  }
  export class BrowserWindow {
    static getAllWindows(): BrowserWindow[];
    readonly webContents: WebContents;
  }
  export const ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: never[]) => unknown): void;
  };
  export const ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: IpcRendererEvent, ...args: never[]) => void): unknown;
    removeListener(channel: string, listener: (...args: never[]) => void): unknown;
  };
  export const contextBridge: {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  };
}
