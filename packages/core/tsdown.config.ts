import { packageBuild } from '../../tsdown.base';

export default packageBuild(
  {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    state: 'src/state/index.ts',
    bind: 'src/bind/index.ts',
    pacing: 'src/pacing/index.ts',
    schema: 'src/schema/index.ts',
    logger: 'src/logger/index.ts',
    retry: 'src/retry/index.ts',
  },
  'tsconfig.json',
);
