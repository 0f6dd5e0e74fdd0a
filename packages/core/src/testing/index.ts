export * from '../machine/step';
export {
  createFaultyBus,
  createMemoryBus,
  type FaultStats,
  type Faults,
  type FaultyBus,
  type FaultyBusOptions,
  type MemoryBus,
} from './bus';
export { createManualClock, flushMicrotasks, type ManualClock } from './clock';
export { createSeededRandom } from './random';
export { createTestSync, type TestSync, type TestSyncOptions } from './sync';
