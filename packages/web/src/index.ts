export {
  type BroadcastChannelSubscriberOptions,
  createBroadcastChannelSubscriber,
} from './channel';
export { TabSyncError, type TabSyncPhase } from './errors';
export { createTabSource, type TabSource, type TabSourceOptions } from './source';
export { createTabSync, type TabSync, type TabSyncOptions } from './tab-sync';
export {
  focusTrigger,
  onlineTrigger,
  pageshowTrigger,
  visibilityTrigger,
  webResyncTriggers,
} from './triggers';
