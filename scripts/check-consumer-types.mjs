// Type-checks scripts/consumer/*.ts the way users' projects would: the built packages installed under
// node_modules/@statesync (links to packages/*, resolved through their exports maps), skipLibCheck: false, once
// per module resolution (bundler, node16, nodenext). Browser programs get lib ["ES2022", "DOM"] and no
// @types/node; the server program gets @types/node. Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// Packages the consumer imports itself, taken from these packages' installs.
const PEERS = { pinia: 'pinia', zustand: 'zustand', vue: 'vue', '@types/node': 'core' };
/** Each program: its file, its `types`, and the control that must pass for it to be checked. */
const PROGRAMS = [
  { file: 'browser.ts', types: [] },
  { file: 'vue.ts', types: [], control: 'vue-control.ts' },
  { file: 'node.ts', types: ['node'], only: 'nodenext' },
];
const RESOLUTIONS = [
  ['bundler', 'ESNext'],
  ['node16', 'Node16'],
  ['nodenext', 'NodeNext'],
];

const work = mkdtempSync(join(tmpdir(), 'statesync-consumer-'));
let failed = 0;
try {
  const modules = join(work, 'node_modules');
  mkdirSync(join(modules, '@statesync'), { recursive: true });
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    if (!pkg.private) symlinkSync(join(root, 'packages', dir), join(modules, pkg.name));
  }
  for (const [name, from] of Object.entries(PEERS)) {
    const source = [
      join(root, 'packages', from, 'node_modules', name),
      join(root, 'node_modules', name),
    ].find((path) => existsSync(path));
    mkdirSync(join(modules, name, '..'), { recursive: true });
    symlinkSync(realpathSync(source), join(modules, name));
  }
  cpSync(join(root, 'scripts', 'consumer'), work, { recursive: true });
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const check = (resolution, module, file, types) => {
    const config = `tsconfig.${resolution}.${file}.json`;
    writeFileSync(
      join(work, config),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          module,
          moduleResolution: resolution,
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types,
        },
        files: [file],
      }),
    );
    try {
      execFileSync(process.execPath, [tsc, '-p', config], { cwd: work, encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (error) {
      return `${error.stdout ?? ''}${error.stderr ?? ''}`;
    }
  };
  for (const [resolution, module] of RESOLUTIONS)
    for (const { file, types, control, only } of PROGRAMS) {
      if (only && only !== resolution) continue;
      const what = `consumer types: ${file}, moduleResolution ${resolution}, skipLibCheck false`;
      if (control && check(resolution, module, control, types) !== '') {
        console.log(`- ${what}: skipped, ${control} (the framework's own types) does not compile here`);
        continue;
      }
      const errors = check(resolution, module, file, types);
      if (errors === '') console.log(`✓ ${what}`);
      else {
        failed++;
        console.error(`✗ ${what}\n${errors}`);
      }
    }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed > 0) process.exit(1);
