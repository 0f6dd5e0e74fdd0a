// @vitest-environment happy-dom
import type { TauriListen } from '@statesync/tauri';
import { type InvokeArgs, invoke } from '@tauri-apps/api/core';
import { emit, listen } from '@tauri-apps/api/event';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { nextTick } from 'vue';
import { type MountedWindow, mountWindow } from '../src/app';
import { INVALIDATION_EVENT } from '../src/sync';

/**
 * The Rust half, as the app's `#[tauri::command]`s behave with `state_sync::SnapshotSource` (crates/state-sync):
 * state + revision + epoch, `get_snapshot`, and setters that bump the revision, emit the invalidation and
 * return the new revision. Errors are strings, as Tauri commands return them.
 */
function createBackend() {
  let epoch = 'boot-1';
  let revision = 0n;
  let settings = { theme: 'light', fontSize: 14 };
  const commands: string[] = [];
  const state = { locked: false };
  const write = (command: string, patch: Partial<typeof settings>) => {
    if (state.locked) throw `${command}: settings are managed by your administrator`;
    settings = { ...settings, ...patch };
    revision += 1n;
    void emit(INVALIDATION_EVENT, {
      topic: 'settings',
      revision: String(revision),
      sourceId: 'backend',
      epoch,
    });
    return String(revision);
  };
  const handler = (cmd: string, args?: InvokeArgs): unknown => {
    commands.push(cmd);
    const a = (args ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case 'get_snapshot':
        if (a.topic !== 'settings') throw `get_snapshot: unknown topic ${JSON.stringify(a.topic)}`;
        return { revision: String(revision), data: { ...settings }, epoch };
      case 'set_theme':
        if (a.theme !== 'light' && a.theme !== 'dark')
          throw `set_theme: unknown theme ${JSON.stringify(a.theme)}`;
        return write(cmd, { theme: a.theme });
      case 'set_font_size':
        if (typeof a.fontSize !== 'number' || a.fontSize < 10 || a.fontSize > 24)
          throw 'set_font_size: `fontSize` must be between 10 and 24';
        return write(cmd, { fontSize: a.fontSize });
      default:
        throw `command ${cmd} not found`;
    }
  };
  /** The app restarted without persisting its revision: a new epoch, revision 0 again. */
  const restart = (next: typeof settings) => {
    epoch = 'boot-2';
    revision = 0n;
    settings = next;
    void emit(INVALIDATION_EVENT, { topic: 'settings', revision: '0', sourceId: 'backend', epoch });
  };
  return {
    handler,
    commands,
    restart,
    /** Writes are refused, e.g. by an administrator policy. */
    set locked(value: boolean) {
      state.locked = value;
    },
  };
}

interface TauriInternals {
  __TAURI_INTERNALS__: { invoke: (cmd: string, args?: unknown) => Promise<unknown> };
}

let backend: ReturnType<typeof createBackend>;
let windows: MountedWindow[] = [];
let ipc: { mock: { calls: unknown[][] } };

/** Each webview has its own event system: a distinct `listen` per window gives each its own listener. */
const webviewListen = (): TauriListen => (event, handler) => listen(event, handler);

async function openWindows() {
  const mainEl = document.createElement('div');
  const settingsEl = document.createElement('div');
  document.body.append(mainEl, settingsEl);
  const [main, settings] = await Promise.all([
    mountWindow('main', mainEl, { listen: webviewListen(), invoke }),
    mountWindow('settings', settingsEl, { listen: webviewListen(), invoke }),
  ]);
  windows = [main, settings];
  return { main, settings, mainEl, settingsEl };
}

/** Lets IPC promises, the engine's coalescing timer (fake, 0 ms) and Vue's render queue run. */
const settle = async () => {
  await vi.advanceTimersByTimeAsync(0);
  await nextTick();
};

const byTestId = (root: Element, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement;

beforeEach(() => {
  vi.useFakeTimers();
  mockWindows('main', 'settings');
  backend = createBackend();
  mockIPC(backend.handler, { shouldMockEvents: true });
  ipc = vi.spyOn((window as unknown as TauriInternals).__TAURI_INTERNALS__, 'invoke');
});

afterEach(async () => {
  for (const w of windows) w.unmount();
  windows = [];
  await settle(); // let the unlisten calls reach the mocked IPC before it is cleared
  document.body.innerHTML = '';
  clearMocks();
  vi.useRealTimers();
});

test('both windows start from the backend snapshot, one Tauri listener each', async () => {
  const { mainEl, settingsEl } = await openWindows();
  await settle();
  expect(byTestId(mainEl, 'summary').textContent).toBe('Theme light, text 14px');
  expect(byTestId(mainEl, 'status').textContent).toBe('up to date · r0');
  expect(byTestId(settingsEl, 'theme-light').getAttribute('aria-pressed')).toBe('true');
  expect(ipc.mock.calls.filter(([cmd]) => cmd === 'plugin:event|listen')).toHaveLength(2);
});

test('a change made in the settings window reaches the main window', async () => {
  const { main, settings, mainEl, settingsEl } = await openWindows();
  byTestId(settingsEl, 'theme-dark').click();
  await settle();
  expect(settings.store.theme).toBe('dark');
  expect(main.store.theme).toBe('dark');
  expect(byTestId(mainEl, 'summary').textContent).toBe('Theme dark, text 14px');
  expect(mainEl.querySelector('main')?.classList.contains('dark')).toBe(true);
  expect(byTestId(settingsEl, 'theme-dark').getAttribute('aria-pressed')).toBe('true');
  expect(byTestId(mainEl, 'status').textContent).toBe('up to date · r1');
});

test('the font size preview stays local until the slider is released', async () => {
  const { main, settings, mainEl, settingsEl } = await openWindows();
  const slider = byTestId(settingsEl, 'font-size') as HTMLInputElement;
  slider.value = '18';
  slider.dispatchEvent(new Event('input'));
  await settle();
  expect(settings.store.effectiveFontSize).toBe(18);
  expect(settingsEl.textContent).toContain('Text size 18px');
  expect(main.store.fontSize).toBe(14);
  expect(backend.commands).not.toContain('set_font_size');

  slider.value = '20';
  slider.dispatchEvent(new Event('input'));
  slider.dispatchEvent(new Event('change'));
  await settle();
  expect(backend.commands.filter((c) => c === 'set_font_size')).toHaveLength(1);
  expect(main.store.fontSize).toBe(20);
  expect(settings.store.fontSize).toBe(20);
  expect(settings.store.previewFontSize).toBeNull();
  expect(byTestId(mainEl, 'summary').textContent).toBe('Theme light, text 20px');
});

test('a rejected command is shown in the settings window and changes nothing', async () => {
  const { main, settings, settingsEl } = await openWindows();
  backend.locked = true;
  byTestId(settingsEl, 'theme-dark').click();
  await settle();
  expect(settingsEl.querySelector('[role="alert"]')?.textContent).toBe(
    'set_theme: settings are managed by your administrator',
  );
  expect(settings.store.theme).toBe('light');
  expect(main.store.theme).toBe('light');
});

test('a backend restart with a new epoch is followed even though its revision starts over', async () => {
  const { main, settings, mainEl } = await openWindows();
  byTestId(document.body, 'theme-dark').click();
  await settle();
  expect(main.handle.getLocalRevision()).toBe('1');
  backend.restart({ theme: 'light', fontSize: 16 });
  await settle();
  for (const w of [main, settings]) {
    expect(w.handle.getLocalRevision()).toBe('0');
    expect(w.handle.getStatus().epoch).toBe('boot-2');
    expect(w.store.fontSize).toBe(16);
  }
  expect(byTestId(mainEl, 'summary').textContent).toBe('Theme light, text 16px');
});

test('closing the windows releases their listeners', async () => {
  await openWindows();
  for (const w of windows) w.unmount();
  windows = [];
  await settle();
  expect(ipc.mock.calls.filter(([cmd]) => cmd === 'plugin:event|unlisten')).toHaveLength(2);
  const snapshotsBefore = backend.commands.filter((c) => c === 'get_snapshot').length;
  await invoke('set_theme', { theme: 'dark' });
  await settle();
  expect(backend.commands.filter((c) => c === 'get_snapshot')).toHaveLength(snapshotsBefore);
});
