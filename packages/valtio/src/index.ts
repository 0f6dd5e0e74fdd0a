// The applier lands with @statesync/core/state.
export {};
