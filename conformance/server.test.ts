// The server wire protocol's vectors (conformance/server/messages.json) through the TypeScript parsers, and the
// events a client derives from each server message (through the real WebSocket subscriber's message handling).
import { readFileSync } from 'node:fs';
import { parseClientMessage, parseServerMessage } from '@statesync/server';
import { describe, expect, test } from 'vitest';

interface ServerCase {
  name: string;
  text: string;
  json?: string;
  events?: unknown[];
  error?: { code: string; topic?: string };
  reason?: string;
}
interface ClientCase {
  name: string;
  text: string;
  json?: string;
  message?: unknown;
  reason?: string;
}
const vectors = JSON.parse(readFileSync(new URL('./server/messages.json', import.meta.url), 'utf8')) as {
  server: { valid: ServerCase[]; invalid: ServerCase[] };
  client: { maxTopics: number; valid: ClientCase[]; invalid: ClientCase[] };
};

/** What a client hands its engine for one server message (the subscriber's mapping). */
const eventsOf = (message: Exclude<ReturnType<typeof parseServerMessage>, Error>): unknown[] => {
  if (message.type === 'poke') {
    const { type: _, ...event } = message;
    return [event];
  }
  return message.type === 'heartbeat' ? [...message.topics] : [];
};

describe('server → client messages', () => {
  test.each(vectors.server.valid)('accepts $name', (c) => {
    const message = parseServerMessage(c.text);
    if (message instanceof Error) throw message;
    // What the parser keeps writes back as exactly the vector's bytes, and those bytes parse to the same.
    expect(JSON.stringify(message)).toBe(c.json);
    expect(parseServerMessage(c.json)).toEqual(message);
    expect(eventsOf(message)).toEqual(c.events);
    if (c.error) expect(message).toMatchObject({ type: 'error', ...c.error });
  });
  test.each(vectors.server.invalid)('rejects $name ($reason)', (c) => {
    expect(parseServerMessage(c.text)).toBeInstanceOf(Error);
  });
});

describe('client → server messages', () => {
  test.each(vectors.client.valid)('accepts $name', (c) => {
    const message = parseClientMessage(c.text, vectors.client.maxTopics);
    expect(message).toEqual(c.message);
    expect(JSON.stringify(message)).toBe(c.json);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  test.each(vectors.client.invalid)('rejects $name ($reason)', (c) => {
    expect(parseClientMessage(c.text, vectors.client.maxTopics)).toBeInstanceOf(Error);
  });
});

describe('schemas', () => {
  test('every schema is JSON with a draft 2020-12 $schema and an $id', () => {
    for (const name of ['server-message', 'client-message', 'http']) {
      const schema = JSON.parse(
        readFileSync(new URL(`./server/${name}.schema.json`, import.meta.url), 'utf8'),
      );
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toMatch(/^https:\/\/statesync\.dev\/schemas\/server\/v1\//);
    }
  });
});
