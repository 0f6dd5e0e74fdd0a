export { RedisSourceError, type RedisSourceErrorCode } from './errors';
export { createRedisSource, type RedisSource, type RedisSourceOptions } from './source';
export {
  createRedisStore,
  type RedisStore,
  type RedisStoreOptions,
  type StoredTopic,
  type TopicState,
  type WatchListener,
  type WriteResult,
} from './store';
