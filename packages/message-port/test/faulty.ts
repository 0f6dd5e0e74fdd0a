// A PortChannel wrapper that drops, duplicates and reorders what it sends, with seeded randomness, until healed.
import { createSeededRandom } from '@statesync/core/testing';
import type { PortChannel } from '@statesync/message-port';

export interface FaultyChannel extends PortChannel {
  /** Ends the faults; a held (reordered) message is sent. */
  heal(): void;
  readonly stats: { sent: number; dropped: number; duplicated: number; reordered: number };
}

export function faulty(
  inner: PortChannel,
  {
    seed,
    drop = 0,
    duplicate = 0,
    reorder = 0,
  }: { seed: number; drop?: number; duplicate?: number; reorder?: number },
): FaultyChannel {
  const random = createSeededRandom(seed);
  const stats = { sent: 0, dropped: 0, duplicated: 0, reordered: 0 };
  let healed = false;
  let held: unknown[] = [];
  const flush = () => {
    const out = held;
    held = [];
    for (const message of out) inner.send(message);
  };
  return {
    stats,
    heal() {
      healed = true;
      flush();
    },
    send(message) {
      stats.sent++;
      if (healed) return inner.send(message);
      if (random() < drop) return void stats.dropped++;
      if (random() < reorder) {
        // Held back and sent after the next message.
        stats.reordered++;
        held.push(message);
        return;
      }
      inner.send(message);
      if (random() < duplicate) {
        stats.duplicated++;
        inner.send(message);
      }
      flush();
    },
    listen: (receive, closed) => inner.listen(receive, closed),
    close: () => inner.close?.(),
  };
}
