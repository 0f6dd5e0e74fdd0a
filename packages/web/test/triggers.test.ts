// @vitest-environment happy-dom
import { createRevisionSync, createSnapshotSource, type ResyncTrigger, systemClock } from '@statesync/core';
import {
  focusTrigger,
  onlineTrigger,
  pageshowTrigger,
  visibilityTrigger,
  webResyncTriggers,
} from '@statesync/web';
import { expect, test, vi } from 'vitest';

let visibility: DocumentVisibilityState = 'visible';
Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
// happy-dom's PageTransitionEvent is a plain Event without `persisted`: set it like the browser does.
const pageshow = (persisted: boolean) => Object.assign(new Event('pageshow'), { persisted });

const cases: [string, ResyncTrigger, () => Event, () => Event][] = [
  ['focus', focusTrigger, () => new Event('focus'), () => new Event('blur')],
  [
    'visibilitychange to visible',
    visibilityTrigger,
    () => {
      visibility = 'visible';
      return new Event('visibilitychange');
    },
    () => {
      visibility = 'hidden';
      return new Event('visibilitychange');
    },
  ],
  ['online', onlineTrigger, () => new Event('online'), () => new Event('offline')],
  ['pageshow from the back/forward cache', pageshowTrigger, () => pageshow(true), () => pageshow(false)],
];

test.each(cases)('%s triggers a resync; the cleanup detaches it', (_, trigger, fires, ignored) => {
  const resync = vi.fn();
  const cleanup = trigger(resync, systemClock);
  const target = (event: Event) => (event.type === 'visibilitychange' ? document : window);
  const dispatch = (event: Event) => target(event).dispatchEvent(event);
  dispatch(ignored());
  expect(resync).not.toHaveBeenCalled();
  dispatch(fires());
  expect(resync).toHaveBeenCalledTimes(1);
  cleanup?.();
  dispatch(fires());
  expect(resync).toHaveBeenCalledTimes(1);
});

test('with the engine: each browser signal fetches again; none after stop()', async () => {
  const source = createSnapshotSource({ topic: 't', initial: 0 });
  const getSnapshot = vi.spyOn(source, 'getSnapshot');
  const handle = createRevisionSync({
    topic: 't',
    subscriber: source,
    provider: source,
    applier: { apply: () => {} },
    resyncOn: webResyncTriggers,
  });
  await handle.start();
  expect(getSnapshot).toHaveBeenCalledTimes(1);
  window.dispatchEvent(new Event('online'));
  await handle.whenSynced();
  expect(getSnapshot).toHaveBeenCalledTimes(2);
  document.dispatchEvent(new Event('visibilitychange'));
  await handle.whenSynced();
  expect(getSnapshot).toHaveBeenCalledTimes(3);
  const before = getSnapshot.mock.calls.length;
  handle.stop();
  window.dispatchEvent(new Event('focus'));
  window.dispatchEvent(new Event('online'));
  document.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(pageshow(true));
  expect(getSnapshot).toHaveBeenCalledTimes(before);
});
