import type { RevisionSyncHandle } from '@statesync/core';
import type { Settings } from './settings-store';
import type { TauriBridge } from './sync';

/**
 * The write commands of the Rust half. Each returns the new revision; waiting for it makes the writing window read
 * its own write even if the invalidation event is slow or lost.
 */
export function createSettingsCommands({ invoke }: Pick<TauriBridge, 'invoke'>, handle: RevisionSyncHandle) {
  const write = async (command: string, args: Record<string, unknown>) => {
    const revision = await invoke(command, args);
    if (typeof revision !== 'string')
      throw new TypeError(`${command} returned ${typeof revision}, not a revision`);
    await handle.whenSynced(revision);
  };
  return {
    setTheme: (theme: Settings['theme']) => write('set_theme', { theme }),
    setFontSize: (fontSize: number) => write('set_font_size', { fontSize }),
  };
}

export type SettingsCommands = ReturnType<typeof createSettingsCommands>;
