import { packageBuild } from '../../tsdown.base';

export default packageBuild({
  index: 'src/index.ts',
  file: 'src/file/index.ts',
  indexeddb: 'src/indexeddb/index.ts',
});
