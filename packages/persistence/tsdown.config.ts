import { packageBuild } from '../../tsdown.base';

export default packageBuild();
