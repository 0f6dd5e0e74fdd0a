import { packageBuild } from '../../tsdown.base';

export default packageBuild({
  index: 'src/index.ts',
  main: 'src/main/index.ts',
  preload: 'src/preload/index.ts',
  renderer: 'src/renderer/index.ts',
});
