export { type IndexedDBStorageOptions, indexedDBStorage } from './indexeddb';
