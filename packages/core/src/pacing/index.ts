export { resyncEvery } from '../resync';
export { type Pacer, type ThrottlingOptions, throttle } from '../throttle';
