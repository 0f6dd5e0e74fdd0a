import { defineStore } from 'pinia';

/** The synced state: the `doc` topic of `src-tauri/src/main.rs` (Rust type `Doc`). */
export interface Doc {
  value: number;
  writer: string;
}

export const DOC_TOPIC = 'doc';

/** Each window's Pinia store; state-sync writes snapshots into it with one `$patch` each. */
export const useDocStore = defineStore('doc', {
  state: (): Doc => ({ value: 0, writer: '' }),
});
