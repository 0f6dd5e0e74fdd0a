import type { SyncState } from '@statesync/core';
import { createTabSync } from '@statesync/web';

export interface Settings {
  theme: 'light' | 'dark';
  fontSize: number;
  notifications: boolean;
  saves: number;
}

const defaults: Settings = { theme: 'light', fontSize: 16, notifications: true, saves: 0 };
let settings: Settings = { ...defaults };

/** Takes only known keys, with their expected types, from untrusted stored data (no prototype tricks). */
function sanitize(data: unknown): Settings {
  const next = { ...defaults };
  if (typeof data !== 'object' || data === null) return next;
  const own = (key: keyof Settings) =>
    Object.hasOwn(data, key) ? (data as Record<string, unknown>)[key] : undefined;
  const theme = own('theme');
  if (theme === 'light' || theme === 'dark') next.theme = theme;
  const fontSize = own('fontSize');
  if (typeof fontSize === 'number' && fontSize >= 10 && fontSize <= 24) next.fontSize = fontSize;
  const notifications = own('notifications');
  if (typeof notifications === 'boolean') next.notifications = notifications;
  const saves = own('saves');
  if (typeof saves === 'number' && Number.isSafeInteger(saves)) next.saves = saves;
  return next;
}

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;
const theme = $<HTMLSelectElement>('theme');
const fontSize = $<HTMLInputElement>('fontSize');
const notifications = $<HTMLInputElement>('notifications');
const bump = $<HTMLButtonElement>('bump');
const status = $<HTMLSpanElement>('status');
const revision = $<HTMLElement>('revision');
const errorBox = $<HTMLParagraphElement>('error');

function render(): void {
  document.body.dataset.theme = settings.theme;
  document.body.style.fontSize = `${settings.fontSize}px`;
  theme.value = settings.theme;
  fontSize.value = String(settings.fontSize);
  $('fontSizeValue').textContent = `${settings.fontSize}px`;
  notifications.checked = settings.notifications;
  $('saves').textContent = String(settings.saves);
}

/** Every status the badge has shown, in order (read by the e2e suite). */
const history: string[] = [];
function showStatus(state: SyncState): void {
  status.textContent = state.status;
  status.dataset.status = state.status;
  revision.textContent = state.localRevision;
  errorBox.textContent = state.lastError ? state.lastError.message : '';
  if (history.at(-1) !== state.status) history.push(state.status);
}

const sync = createTabSync<Settings>({
  topic: 'settings',
  initial: defaults,
  channelName: 'web-tabs-example',
  dbName: 'web-tabs-example',
  mirror: true,
  applier: {
    apply: ({ data }) => {
      settings = sanitize(data);
      render();
    },
  },
  onStorageError: (error) => {
    errorBox.textContent = error.message;
  },
});

render(); // defaults; `start()` then paints the localStorage copy at once (mirror), before reading IndexedDB
sync.onStatusChange(showStatus);
showStatus(sync.getStatus());

const save = (change: (current: Settings) => Partial<Settings>) =>
  sync
    .update((current) => {
      const safe = sanitize(current);
      return { ...safe, ...change(safe), saves: safe.saves + 1 };
    })
    .catch((error: unknown) => {
      errorBox.textContent = String(error);
    });

theme.addEventListener(
  'change',
  () => void save(() => ({ theme: theme.value === 'dark' ? 'dark' : 'light' })),
);
fontSize.addEventListener('input', () => void save(() => ({ fontSize: Number(fontSize.value) })));
notifications.addEventListener('change', () => void save(() => ({ notifications: notifications.checked })));
bump.addEventListener('click', () => void save(() => ({})));

declare global {
  interface Window {
    /** For the e2e suite and the devtools console. */
    example: { sync: typeof sync; history: string[]; settings: () => Settings };
  }
}
window.example = { sync, history, settings: () => settings };

sync.start().catch((error: unknown) => {
  errorBox.textContent = String(error);
});
