import { packageBuild } from '../../tsdown.base';

// Node only (node:crypto, ioredis).
export default { ...packageBuild(), platform: 'node' as const };
