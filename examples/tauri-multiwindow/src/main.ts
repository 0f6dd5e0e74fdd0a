/**
 * One window of the example app. The window keeps its Pinia store in sync with the Rust-owned `doc` topic
 * (tauri-plugin-state-sync) through `@statesync/tauri`, shows it with Vue, and answers the scenario that
 * `src-tauri/src/scenario.rs` runs: requests arrive as `scenario:request` events, replies go back through the
 * app's `scenario_reply` command.
 */
import type { SyncErrorContext } from '@statesync/core';
import { createPiniaSnapshotApplier } from '@statesync/pinia';
import { createTauriRevisionSync } from '@statesync/tauri';
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWebviewWindow } from '@tauri-apps/api/webviewWindow';
import { createPinia } from 'pinia';
import { createApp, h } from 'vue';
import { DOC_TOPIC, type Doc, useDocStore } from './doc-store';

const INVALIDATION_EVENT = 'state-sync:invalidation';
const GET_SNAPSHOT_COMMAND = 'plugin:state-sync|get_snapshot';
const UPDATE_COMMAND = 'plugin:state-sync|update';

const label = getCurrentWebviewWindow().label;
const pinia = createPinia();
const store = useDocStore(pinia);
const errors: string[] = [];

createApp({
  render: () =>
    h('main', [
      h('h1', `window ${label}`),
      h('p', `value ${store.value}, written by ${store.writer || '—'}`),
      h('button', { onClick: () => write(store.value + 1) }, '+1'),
    ]),
})
  .use(pinia)
  .mount('#app');

/** A clock shared by every window of the app (wall-clock based), in milliseconds with sub-ms precision. */
const now = () => performance.timeOrigin + performance.now();
/** When this window's store first showed each value: what the latency figures are computed from. */
const seenAt = new Map<number, number>();
store.$subscribe(
  () => {
    if (!seenAt.has(store.value)) seenAt.set(store.value, now());
  },
  { flush: 'sync' },
);

const handle = createTauriRevisionSync<Doc>({
  topic: DOC_TOPIC,
  listen,
  invoke,
  eventName: INVALIDATION_EVENT,
  commandName: GET_SNAPSHOT_COMMAND,
  args: { topic: DOC_TOPIC },
  applier: createPiniaSnapshotApplier({ store }),
  onError: (ctx: SyncErrorContext) => errors.push(`${ctx.phase}: ${String(ctx.error)}`),
});

const snapshot = () => ({
  state: { value: store.value, writer: store.writer },
  revision: handle.getLocalRevision(),
});

async function write(value: number): Promise<string> {
  const data: Doc = { value, writer: label };
  return invoke<string>(UPDATE_COMMAND, { topic: DOC_TOPIC, data });
}

type Request =
  | { op: 'waitFor'; revision: string }
  | { op: 'write'; value: number }
  | { op: 'burst'; count: number; base: number }
  | { op: 'paced'; count: number; base: number }
  | { op: 'seen'; from: number; to: number }
  | { op: 'stop' };

async function answer(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'waitFor':
      await handle.whenSynced(request.revision);
      return snapshot();
    case 'write': {
      const revision = await write(request.value);
      await handle.whenSynced(revision); // read-your-writes
      return { written: revision, ...snapshot() };
    }
    case 'burst': {
      // `count` writes in flight at once; the one that got the highest revision is the final state.
      const values = Array.from({ length: request.count }, (_, i) => request.base + i);
      const revisions = (await Promise.all(values.map(write))).map(BigInt);
      let last = 0;
      revisions.forEach((revision, i) => {
        if (revision > (revisions[last] ?? revision)) last = i;
      });
      const highest = revisions[last];
      return { revision: String(highest), value: values[last], distinct: new Set(revisions).size };
    }
    case 'paced': {
      // One write at a time, as a user does; each one's start time is the latency's origin.
      const writes: [number, number][] = [];
      let revision = '0';
      for (let i = 0; i < request.count; i++) {
        const value = request.base + i;
        writes.push([value, now()]);
        revision = await write(value);
      }
      return { writes, revision };
    }
    case 'seen':
      return {
        seen: [...seenAt].filter(([value]) => value >= request.from && value < request.to),
      };
    case 'stop':
      handle.stop();
      return snapshot();
  }
}

await listen<{ id: number; label: string; request: Request }>('scenario:request', ({ payload }) => {
  if (payload.label !== label) return;
  answer(payload.request).then(
    (result) =>
      invoke('scenario_reply', { id: payload.id, ok: true, result: { ...(result as object), errors } }),
    (error: unknown) => invoke('scenario_reply', { id: payload.id, ok: false, result: String(error) }),
  );
});

await handle.start();
await invoke('scenario_ready', { label, ...snapshot(), errors });
