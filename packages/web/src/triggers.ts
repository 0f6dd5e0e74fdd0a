import type { ResyncTrigger } from '@statesync/core';

/* @__NO_SIDE_EFFECTS__ */
const on =
  (target: () => EventTarget | undefined, type: string, when?: (event: Event) => boolean): ResyncTrigger =>
  (resync) => {
    const t = target();
    if (!t) return; // not in a window (worker, server rendering): nothing to listen to
    const listener = (event: Event) => {
      if (!when || when(event)) resync();
    };
    t.addEventListener(type, listener);
    return () => t.removeEventListener(type, listener);
  };
const win = (): EventTarget | undefined => globalThis.window;

/**
 * Resync when the window gains focus (the user comes back to this tab).
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, resyncOn: [focusTrigger] });
 * ```
 */
export const focusTrigger: ResyncTrigger = /* @__PURE__ */ on(win, 'focus');

/**
 * Resync when the document becomes visible again (`visibilitychange` with `visibilityState === 'visible'`):
 * a tab hidden for minutes may have been throttled or frozen and missed events.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, resyncOn: [visibilityTrigger] });
 * ```
 */
export const visibilityTrigger: ResyncTrigger = /* @__PURE__ */ on(
  () => globalThis.document,
  'visibilitychange',
  () => globalThis.document.visibilityState === 'visible',
);

/**
 * Resync when the browser goes back online.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, resyncOn: [onlineTrigger] });
 * ```
 */
export const onlineTrigger: ResyncTrigger = /* @__PURE__ */ on(win, 'online');

/**
 * Resync when a page is restored from the back/forward cache (`pageshow` with `persisted`): it missed every
 * message while it was cached.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, resyncOn: [pageshowTrigger] });
 * ```
 */
export const pageshowTrigger: ResyncTrigger = /* @__PURE__ */ on(
  win,
  'pageshow',
  (event) => (event as PageTransitionEvent).persisted === true,
);

/**
 * All four browser resync triggers: focus, visibility, online, pageshow (bfcache restore). The default
 * `resyncOn` of {@link createTabSync}.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { webResyncTriggers } from '@statesync/web';
 *
 * createRevisionSync({ ...options, resyncOn: webResyncTriggers });
 * ```
 */
export const webResyncTriggers: readonly ResyncTrigger[] = [
  focusTrigger,
  visibilityTrigger,
  onlineTrigger,
  pageshowTrigger,
];
