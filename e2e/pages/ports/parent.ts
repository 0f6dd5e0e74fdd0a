// The app page of the iframe test (origin A): it owns `settings` and serves it to the trusted frame (origin B)
// over an exact-origin window channel. A hostile frame (origin C) is embedded too.
import { createSnapshotSource } from '@statesync/core';
import { createPortHost, createWindowChannel } from '@statesync/message-port';

const query = new URL(location.href).searchParams;
const frameOrigin = query.get('frame') as string;
const hostileOrigin = query.get('hostile') as string;
const settings = createSnapshotSource({ topic: 'settings', initial: { theme: 'light', n: 0 } });
const rejected: string[] = [];
const errors: string[] = [];
const host = createPortHost({ sources: { settings }, onError: (e) => void errors.push(e.message) });

const frame = document.createElement('iframe');
document.body.append(frame);
host.connect(
  createWindowChannel({
    target: frame.contentWindow as Window,
    targetOrigin: frameOrigin,
    onReject: (event) => void rejected.push(event.origin),
  }),
);
frame.src = `${frameOrigin}/child.html?parent=${encodeURIComponent(location.origin)}`;
const hostile = document.createElement('iframe');
hostile.src = `${hostileOrigin}/hostile.html`;
document.body.append(hostile);

const app = {
  update: (n: number) => settings.update((s) => ({ ...s, theme: n % 2 ? 'dark' : 'light', n })),
  state: () => ({ rejected, errors, size: host.size, revision: settings.getRevision() }),
};
declare global {
  interface Window {
    portsApp: typeof app;
  }
}
window.portsApp = app;
document.title = 'ready';
