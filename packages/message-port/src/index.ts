export { connectPort, type PortClient, type PortClientOptions, type PortTransport } from './client';
export {
  createWindowChannel,
  type PortChannel,
  type PortLike,
  toChannel,
  type WindowChannelOptions,
} from './endpoint';
export { createPortHost, type HostedSource, type PortHost, type PortHostOptions } from './host';
