export {
  type Access,
  type Authorize,
  createSyncServer,
  type SyncServer,
  type SyncServerOptions,
  type SyncServerStats,
  type UpgradeEmitter,
} from './server';
export {
  type ClientMessage,
  parseClientMessage,
  parseServerMessage,
  type ServerMessage,
  type WireErrorCode,
  type WireTopicState,
} from './wire';
