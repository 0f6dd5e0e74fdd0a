import { createRevisionSync, createSnapshotSource, systemClock } from '@statesync/core';
import { createBroadcastChannelSubscriber, focusTrigger, webResyncTriggers } from '@statesync/web';
import { afterEach, expect, test, vi } from 'vitest';

// Node's BroadcastChannel is the real thing: objects with the same name exchange messages within the process.
const channels: BroadcastChannel[] = [];
const open = (name: string) => {
  const channel = new BroadcastChannel(name);
  channels.push(channel);
  return channel;
};
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});

test('events posted on the channel by another tab reach the engine, which fetches the snapshot', async () => {
  const source = createSnapshotSource({ topic: 'settings', initial: { theme: 'light' } });
  const applied: unknown[] = [];
  const handle = createRevisionSync({
    topic: 'settings',
    subscriber: createBroadcastChannelSubscriber({ channelName: 'app' }),
    provider: source,
    applier: { apply: ({ data }) => void applied.push(data) },
  });
  await handle.start();
  const revision = source.update({ theme: 'dark' });
  open('app').postMessage({ topic: 'settings', revision });
  await handle.whenSynced(revision);
  expect(applied).toEqual([{ theme: 'light' }, { theme: 'dark' }]);
  handle.stop();
});

test('malformed messages reach onError with phase protocol, and the loop goes on', async () => {
  const source = createSnapshotSource({ topic: 't', initial: 0 });
  const phases: string[] = [];
  const handle = createRevisionSync({
    topic: 't',
    subscriber: createBroadcastChannelSubscriber({ channelName: 'bad' }),
    provider: source,
    applier: { apply: () => {} },
    onError: (ctx) => void phases.push(ctx.phase),
  });
  await handle.start();
  const sender = open('bad');
  sender.postMessage('not an event');
  sender.postMessage({ topic: 't', revision: '01' });
  sender.postMessage({ topic: 't', revision: source.update(1) });
  await handle.whenSynced('1');
  expect(phases).toEqual(['protocol', 'protocol']);
  handle.stop();
});

test('one channel per name, shared by every subscription, closed when the last one ends', async () => {
  const close = vi.spyOn(BroadcastChannel.prototype, 'close');
  const subscriber = createBroadcastChannelSubscriber({ channelName: 'shared' });
  const seen: unknown[][] = [[], []];
  const first = await subscriber.subscribe((event) => void seen[0]?.push(event));
  const second = await createBroadcastChannelSubscriber({ channelName: 'shared' }).subscribe(
    (event) => void seen[1]?.push(event),
  );
  const other = await createBroadcastChannelSubscriber({ channelName: 'other' }).subscribe(() => {});
  await first();
  await first(); // a second call is ignored
  expect(close).not.toHaveBeenCalled();
  await second();
  expect(close).toHaveBeenCalledTimes(1);
  await other();
  expect(close).toHaveBeenCalledTimes(2);
  // A new subscription after that opens a fresh channel that works.
  const received = new Promise((resolve) => {
    void createBroadcastChannelSubscriber({ channelName: 'shared' })
      .subscribe(resolve)
      .then((unsubscribe) => {
        open('shared').postMessage({ topic: 'x', revision: '1' });
        return received.then(unsubscribe);
      });
  });
  expect(await received).toEqual({ topic: 'x', revision: '1' });
  expect(seen).toEqual([[], []]);
});

test('a start/stop cycle leaves no channel open', async () => {
  const close = vi.spyOn(BroadcastChannel.prototype, 'close');
  const source = createSnapshotSource({ topic: 't', initial: 0 });
  for (let i = 0; i < 3; i++) {
    const handle = createRevisionSync({
      topic: 't',
      subscriber: createBroadcastChannelSubscriber(),
      provider: source,
      applier: { apply: () => {} },
    });
    await handle.start();
    handle.stop();
  }
  expect(close).toHaveBeenCalledTimes(3);
});

test('options are checked', () => {
  expect(() => createBroadcastChannelSubscriber({ channelName: '' })).toThrow(
    'Expected `channelName` to be a non-empty string',
  );
});

test('outside a window the resync triggers attach nothing', () => {
  const resync = vi.fn();
  expect(focusTrigger(resync, systemClock)).toBeUndefined();
  for (const trigger of webResyncTriggers) expect(trigger(resync, systemClock)).toBeUndefined();
});
