import { packageBuild } from '../../tsdown.base';

// The server entry is Node only (node:http, ws); the client entry imports no Node module and runs anywhere.
export default {
  ...packageBuild({ index: 'src/index.ts', client: 'src/client/index.ts' }),
  platform: 'node' as const,
};
