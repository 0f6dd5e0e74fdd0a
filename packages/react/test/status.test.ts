// @vitest-environment happy-dom
import type { SyncState, SyncStatus } from '@statesync/core';
import { throttle } from '@statesync/core/pacing';
import { createTestSync } from '@statesync/core/testing';
import { useSyncStatus } from '@statesync/react';
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

beforeEach(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
});
afterEach(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = undefined;
  document.body.innerHTML = '';
});

const setup = () => {
  const { clock, source, handle } = createTestSync({
    topic: 't',
    initial: { n: 0 },
    applier: { apply() {} },
    throttling: throttle({ debounceMs: 10 }),
    // Every change through a fetch, so the status passes through 'stale' and 'syncing' (inline changes skip them).
    inline: false,
  });
  let listeners = 0;
  // The real handle, with a count of the status listeners React holds on it.
  const counted = {
    getStatus: handle.getStatus,
    onStatusChange(listener: (state: SyncState) => void) {
      listeners++;
      const off = handle.onStatusChange(listener);
      return () => {
        listeners--;
        off();
      };
    },
  };
  return { clock, source, handle, counted, listeners: () => listeners };
};

type Source = Parameters<typeof useSyncStatus>[0];

function Badge({ source, log }: { source: Source; log: SyncStatus[] }) {
  const { status, localRevision } = useSyncStatus(source);
  log.push(status);
  return createElement('span', null, `${status}@${localRevision}`);
}

function LocalRevision({ source, log }: { source: Source; log: string[] }) {
  const revision = useSyncStatus(source, (s) => s.localRevision);
  log.push(revision);
  return createElement('b', null, revision);
}

const mount = (element: ReturnType<typeof createElement>) => {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  act(() => root.render(element));
  return { container, root };
};

describe('useSyncStatus', () => {
  test('re-renders on each status change and unsubscribes on unmount', async () => {
    const { clock, source, handle, counted, listeners } = setup();
    const rendered: SyncStatus[] = [];
    const { container, root } = mount(createElement(Badge, { source: counted, log: rendered }));
    expect(container.textContent).toBe('idle@0');
    expect(listeners()).toBe(1);

    await act(() => handle.start());
    expect(container.textContent).toBe('synced@0');

    await act(async () => {
      source.update({ n: 1 });
    });
    expect(container.textContent).toBe('stale@0');
    await act(() => clock.advance(10));
    expect(container.textContent).toBe('synced@1');
    expect(rendered.at(0)).toBe('idle');
    expect(rendered.at(-1)).toBe('synced');
    expect(rendered).toContain('stale');

    act(() => root.unmount());
    expect(listeners()).toBe(0);
    const renders = rendered.length;
    source.update({ n: 2 });
    await clock.advance(10);
    expect(handle.getStatus().localRevision).toBe('2');
    expect(rendered).toHaveLength(renders);
    handle.stop();
  });

  test('with a selector, re-renders only when the selected part changes', async () => {
    const { clock, source, handle } = setup();
    await handle.start();
    const rendered: string[] = [];
    const { container, root } = mount(createElement(LocalRevision, { source: handle, log: rendered }));
    expect(container.textContent).toBe('0');

    // stale → syncing → synced: three status changes, one revision change.
    await act(async () => {
      source.update({ n: 1 });
      await clock.advance(10);
    });
    expect(container.textContent).toBe('1');
    expect(rendered).toEqual(['0', '1']);
    act(() => root.unmount());
    handle.stop();
  });
});
