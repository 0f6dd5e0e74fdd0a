// redux-state-sync as its README shows: the middleware, the reducer wrapped with withReduxStateSync, and
// initStateWithPrevTab so a new tab starts from the others' state.
import { applyMiddleware, legacy_createStore as createStore } from 'redux';
import { createStateSyncMiddleware, initStateWithPrevTab, withReduxStateSync } from 'redux-state-sync';
import { harness } from './harness.mjs';

const counter = (state = { count: 0 }, action) => {
  switch (action.type) {
    case 'counter/set':
      return { count: action.payload };
    case 'counter/increment':
      return { count: state.count + 1 };
    default:
      return state;
  }
};

harness({
  name: 'redux-state-sync',
  async setup(run, changed) {
    const middleware = createStateSyncMiddleware({ channel: `counter-${run}` });
    const store = createStore(withReduxStateSync(counter), applyMiddleware(middleware));
    initStateWithPrevTab(store);
    store.subscribe(changed);
    return {
      read: () => store.getState().count,
      write: (value) => store.dispatch({ type: 'counter/set', payload: value }),
      increment: () => store.dispatch({ type: 'counter/increment' }),
    };
  },
});
