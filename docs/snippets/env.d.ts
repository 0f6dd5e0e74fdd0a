// Ambient declarations shared by every TypeScript block of the docs (see scripts/check-snippets.mjs).
// Keep this small: a block should define what it uses; declare here only the app-specific things the
// reader is expected to have (their own render function, their own settings type...).

/** The example app's settings, used throughout the guides. */
interface Settings {
  theme: 'light' | 'dark';
  fontSize: number;
}

/** Draws something on screen in the reader's app. */
declare function render(data: unknown): void;
