import { packageBuild } from '../../tsdown.base';

export default packageBuild({ index: 'src/index.ts', 'shared-worker': 'src/shared-worker/index.ts' });
