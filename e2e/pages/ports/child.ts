// The trusted frame of the iframe test (origin B): it follows the parent's `settings`.
import { createRevisionSync } from '@statesync/core';
import { connectPort, createWindowChannel } from '@statesync/message-port';

type Settings = { theme: string; n: number };
const parentOrigin = new URL(location.href).searchParams.get('parent') as string;
const rejected: string[] = [];
const applied: Settings[] = [];
const errors: string[] = [];
const client = connectPort(
  createWindowChannel({
    target: window.parent,
    targetOrigin: parentOrigin,
    onReject: (event) => void rejected.push(event.origin),
  }),
  { timeoutMs: 2_000 },
);
const handle = createRevisionSync<Settings>({
  topic: 'settings',
  ...client.transport<Settings>('settings'),
  applier: { apply: ({ data }) => void applied.push(data) },
  retry: { initialDelayMs: 20, maxDelayMs: 200 },
  onError: (ctx) => void errors.push(`${ctx.phase}: ${ctx.error.message}`),
});
void handle.start();

const c = {
  state: () => ({
    applied,
    rejected,
    errors,
    revision: handle.getLocalRevision(),
    status: handle.getStatus().status,
  }),
};
declare global {
  interface Window {
    portsChild: typeof c;
  }
}
window.portsChild = c;
document.title = 'ready';
