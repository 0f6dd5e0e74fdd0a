// What a user's server project compiles against (with @types/node). Type-checked by
// scripts/check-consumer-types.mjs under three module resolutions with skipLibCheck: false.
import type * as persistence from '@statesync/persistence';
import type * as redis from '@statesync/redis';
import type * as server from '@statesync/server';
import type * as serverClient from '@statesync/server/client';

export type Entries = [typeof persistence, typeof redis, typeof server, typeof serverClient];
