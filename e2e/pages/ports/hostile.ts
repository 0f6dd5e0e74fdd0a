// The hostile frame of the iframe test (origin C): it forges state-sync messages to the app and to its trusted
// frame, and records anything that reaches it (nothing should).
export {};

const received: unknown[] = [];
addEventListener('message', (event) => void received.push(event.data));

const h = {
  fire() {
    const app = window.parent;
    const sibling = window.parent.frames[0] as Window;
    // To the app, pretending to be the trusted frame: a request, and a goodbye that would disconnect it.
    app.postMessage({ statesync: 1, kind: 'get', id: 1, topic: 'settings' }, '*');
    app.postMessage({ statesync: 1, kind: 'bye' }, '*');
    // To the trusted frame, pretending to be the app: a forged event with inline data, and forged replies.
    sibling.postMessage(
      {
        statesync: 1,
        kind: 'event',
        event: { topic: 'settings', revision: '999', data: { theme: 'evil', n: -1 } },
      },
      '*',
    );
    for (let id = 1; id <= 50; id++)
      sibling.postMessage(
        { statesync: 1, kind: 'reply', id, value: { revision: '999', data: { theme: 'evil', n: -1 } } },
        '*',
      );
  },
  received: () => received,
};
declare global {
  interface Window {
    portsHostile: typeof h;
  }
}
window.portsHostile = h;
document.title = 'ready';
