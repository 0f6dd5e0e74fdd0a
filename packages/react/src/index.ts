export { type SyncStatusSource, useSyncStatus } from './status';
