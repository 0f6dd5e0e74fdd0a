export { type ReconnectOptions, ServerError, type ServerSubscriber } from './connection';
export { createHttpSnapshotProvider, type HttpSnapshotProviderOptions } from './http';
export { createSseSubscriber, type FetchLike, type SseSubscriberOptions } from './sse';
export { createWebSocketSubscriber, type WebSocketLike, type WebSocketSubscriberOptions } from './websocket';
