import type { SnapshotEnvelope, SnapshotProvider, SnapshotRequest } from '@statesync/core';
import type { InvokeArgs } from '@tauri-apps/api/core';
import { wrapError } from './check';

/**
 * The shape of Tauri's `invoke` from `@tauri-apps/api/core`, which is what you pass.
 *
 * @example
 * ```ts
 * import { invoke } from '@tauri-apps/api/core';
 * const tauriInvoke: TauriInvoke = invoke;
 * ```
 */
export type TauriInvoke = (cmd: string, args?: InvokeArgs) => Promise<unknown>;

/**
 * Options of {@link createTauriSnapshotProvider}.
 *
 * @example
 * ```ts
 * const options: TauriProviderOptions = { invoke, commandName: 'get_snapshot', args: { topic: 'settings' } };
 * ```
 */
export interface TauriProviderOptions {
  /** Tauri's `invoke` (`import { invoke } from '@tauri-apps/api/core'`). */
  invoke: TauriInvoke;
  /** The command that returns the snapshot envelope `{ revision, data, epoch? }`, e.g. `'get_snapshot'`. */
  commandName: string;
  /** The command's arguments, or a function of the request that returns them. @default none */
  args?: InvokeArgs | ((request: SnapshotRequest | undefined) => InvokeArgs | undefined);
}

/**
 * Creates a `SnapshotProvider` that calls a Tauri command. The engine parses what the command returns (a
 * malformed envelope is reported with phase `protocol`). Tauri rejects with plain strings, so a failure is
 * rethrown as an `Error` naming the command — `invoke("get_snapshot") failed: <reason>` — with the original
 * rejection as `cause`; the engine reports it with phase `getSnapshot` and retries.
 *
 * @example
 * ```ts
 * import { createTauriSnapshotProvider } from '@statesync/tauri';
 * import { invoke } from '@tauri-apps/api/core';
 *
 * const provider = createTauriSnapshotProvider({ invoke, commandName: 'get_snapshot', args: { topic: 'settings' } });
 * const { revision, data } = await provider.getSnapshot();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createTauriSnapshotProvider<T = unknown>(options: TauriProviderOptions): SnapshotProvider<T> {
  const { invoke, commandName, args } = options;
  return {
    async getSnapshot(request) {
      try {
        return (await invoke(
          commandName,
          typeof args === 'function' ? args(request) : args,
        )) as SnapshotEnvelope<T>;
      } catch (error) {
        throw wrapError(`invoke("${commandName}")`, error);
      }
    },
  };
}
