export { createTauriSnapshotProvider, type TauriInvoke, type TauriProviderOptions } from './provider';
export {
  createTauriInvalidationSubscriber,
  type TauriListen,
  type TauriSubscriberOptions,
} from './subscriber';
export { createTauriRevisionSync, type TauriRevisionSyncOptions } from './sync';
