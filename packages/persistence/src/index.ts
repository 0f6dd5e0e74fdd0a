export {
  type Migrator,
  type PersistedApplier,
  type PersistedRecord,
  type PersistOptions,
  persistApplier,
} from './applier';
export { PersistenceError, type PersistenceFailure } from './errors';
export { gzipStorage } from './gzip';
export {
  createMemoryStorage,
  type MemoryStorage,
  type MemoryStorageFaults,
  type MemoryStorageOptions,
} from './memory';
export { type Migration, migrations } from './migrate';
export { localStorageBackend, type PersistenceStorage, sessionStorageBackend } from './storage';
