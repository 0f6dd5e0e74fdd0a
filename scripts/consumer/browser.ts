// What a user's browser project compiles against, written the way the docs show it. Type-checked by
// scripts/check-consumer-types.mjs under three module resolutions with lib ["ES2022", "DOM"] and
// skipLibCheck: false (no @types/node in the program). Not @statesync/tauri: @tauri-apps/api's own declarations
// need `Symbol.asyncDispose` (lib esnext), so Tauri projects cannot use lib ES2022 with skipLibCheck: false.

import type * as core from '@statesync/core';
import type * as bind from '@statesync/core/bind';
import type * as state from '@statesync/core/state';
import type * as testing from '@statesync/core/testing';
import type * as messagePort from '@statesync/message-port';
import type * as react from '@statesync/react';
import type * as redux from '@statesync/redux';
import type * as svelte from '@statesync/svelte';
import type * as valtio from '@statesync/valtio';
import type * as web from '@statesync/web';
import { sync } from '@statesync/zustand';
import { createStore } from 'zustand/vanilla';

export type Entries = [
  typeof bind,
  typeof state,
  typeof testing,
  typeof core,
  typeof messagePort,
  typeof react,
  typeof redux,
  typeof svelte,
  typeof valtio,
  typeof web,
];
// Tabs + zustand: one middleware and a topic.
interface Counter {
  count: number;
  add: () => void;
}
export const counter = createStore<Counter>()(
  sync((set) => ({ count: 0, add: () => set((s) => ({ count: s.count + 1 })) }), { topic: 'counter' }),
);
export const increment = (): Promise<void> | undefined =>
  counter.sync?.update((s) => ({ ...s, count: (s.count ?? 0) + 1 }));
