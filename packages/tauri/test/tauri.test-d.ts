import type { RevisionSyncHandle, SnapshotProvider } from '@statesync/core';
import {
  createTauriRevisionSync,
  createTauriSnapshotProvider,
  type TauriInvoke,
  type TauriListen,
} from '@statesync/tauri';
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWebviewWindow } from '@tauri-apps/api/webviewWindow';
import { expectTypeOf, test } from 'vitest';

test("Tauri's own listen and invoke fit, and so does a window's listen", () => {
  expectTypeOf(listen).toExtend<TauriListen>();
  expectTypeOf(invoke).toExtend<TauriInvoke>();
  const win = getCurrentWebviewWindow();
  expectTypeOf(win.listen.bind(win)).toExtend<TauriListen>();
});

test('createTauriRevisionSync takes the core options and types the applier data', () => {
  const handle = createTauriRevisionSync<{ theme: string }>({
    topic: 'settings',
    listen,
    invoke,
    eventName: 'state-sync:invalidation',
    commandName: 'get_snapshot',
    args: (request) => ({ topic: 'settings', aborted: request?.signal.aborted ?? false }),
    applier: {
      apply: ({ data }) => {
        expectTypeOf(data).toEqualTypeOf<{ theme: string }>();
      },
    },
    snapshotTimeoutMs: 5000,
  });
  expectTypeOf(handle).toEqualTypeOf<RevisionSyncHandle>();
  expectTypeOf(createTauriSnapshotProvider<number>({ invoke, commandName: 'c' })).toEqualTypeOf<
    SnapshotProvider<number>
  >();
  createTauriRevisionSync({
    topic: 't',
    listen,
    invoke,
    eventName: 'e',
    commandName: 'c',
    applier: { apply() {} },
    // @ts-expect-error: the subscriber and provider are built from listen/invoke
    provider: {},
  });
});
