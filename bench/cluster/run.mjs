// `pnpm bench:cluster`: the cluster benchmark (issue 15). Servers and load generators run in separate processes,
// clients spread over 127.x source addresses; every figure is printed with its run-to-run spread and written to
// bench/RESULTS.md under its own heading. `--smoke` (CI): a few hundred clients for a few seconds, writes nothing,
// exits non-zero only if the harness breaks (clients fail to converge), never because of speed.
// Options: --runs=N (default 3), --clients=N (default 10000), --processes=N (load generators, default 4).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { markdownSection, markdownTable, printSection } from '../src/lib/report.mjs';
import { num, spread } from '../src/lib/stats.mjs';
import { floorRun } from './floor.mjs';
import { fdLimits } from './lib/proc.mjs';
import { writeClusterSection } from './lib/results.mjs';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
};
const smoke = process.argv.includes('--smoke');
const runs = arg('runs', smoke ? 1 : 3);
const clients = arg('clients', smoke ? 200 : 10_000);
const processes = arg('processes', smoke ? 2 : 4);
const pokes = arg('pokes', smoke ? 3 : 20);

const hardLimit = () => execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

const started = new Date();
const loadAtStart = load();
console.log(
  `cluster: ${clients} clients over ${processes} load processes, ${runs} run(s)${smoke ? ' (smoke)' : ''}; ` +
    `fd limit here ${fdLimits().soft}, hard ${hardLimit()}; load average ${loadAtStart}`,
);

const floors = [];
const broken = [];
for (let r = 0; r < runs; r++) {
  const f = await floorRun({ clients, processes, pokes });
  floors.push(f);
  if (!f.converged) broken.push(`floor run ${r + 1}: ${f.opened}/${clients} opened, a client missed a poke`);
  console.log(
    `floor run ${r + 1}: ${f.opened} sockets, server RSS ${num(f.rss / 2 ** 20)} MB (idle ${num(f.rssBase / 2 ** 20)} MB), ` +
      `fan-out ${num(f.perPoke.map((p) => p.cpuUsPerClient).sort((a, b) => a - b)[f.perPoke.length >> 1])} µs/client/poke, ` +
      `server fd limit ${f.fd.soft}, opened in ${num(f.openMs)} ms`,
  );
}

const mb = (b) => b / 2 ** 20;
const section = {
  id: 'cluster',
  title: 'Cluster',
  tables: [
    {
      title: 'Floor: bare ws server',
      columns: ['figure', 'median (min–max) over runs'],
      rows: [
        ['sockets held', spread(floors.map((f) => f.opened))],
        [
          'server RSS, idle',
          spread(
            floors.map((f) => mb(f.rssBase)),
            'MB',
          ),
        ],
        [
          'server RSS with the sockets',
          spread(
            floors.map((f) => mb(f.rss)),
            'MB',
          ),
        ],
        [
          'RSS per socket',
          spread(
            floors.map((f) => (f.rss - f.rssBase) / f.opened / 1024),
            'KB',
          ),
        ],
        [
          'server CPU per client per poke (whole process, poke → all received)',
          spread(
            floors.flatMap((f) => f.perPoke.map((p) => p.cpuUsPerClient)),
            'µs',
          ),
        ],
        [
          'of which the send loop',
          spread(
            floors.flatMap((f) => f.perPoke.map((p) => p.loopUsPerClient)),
            'µs',
          ),
        ],
        [
          'poke → received, p50',
          spread(
            floors.flatMap((f) => f.perPoke.map((p) => p.p50)),
            'ms',
          ),
        ],
        [
          'poke → received, p99',
          spread(
            floors.flatMap((f) => f.perPoke.map((p) => p.p99)),
            'ms',
          ),
        ],
      ],
    },
  ],
};
printSection(section);
const loadAtEnd = load();
const seconds = (Date.now() - started.getTime()) / 1000;
console.log(
  `\ncluster: load average ${loadAtStart} at the start, ${loadAtEnd} at the end; ${seconds.toFixed(0)} s`,
);
if (!smoke) {
  const cpus = os.cpus();
  const machine = markdownTable({
    columns: ['', ''],
    rows: [
      ['date', started.toISOString()],
      [
        'machine',
        `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory; shared with other jobs during the run`,
      ],
      ['load average (1 / 5 / 15 min)', `${loadAtStart} at the start, ${loadAtEnd} at the end`],
      ['OS, Node', `${os.type()} ${os.release()} (${os.arch()}), Node ${process.version}`],
      ['file descriptors', `soft limit raised to the hard limit ${hardLimit()} in every process`],
      [
        'clients',
        `${clients} over ${processes} load processes, each from its own 127.x source address; ${runs} run(s)`,
      ],
      ['run time', `${seconds.toFixed(0)} s`],
    ],
  });
  const { title, tables } = section;
  writeClusterSection(
    [
      markdownSection({
        ...section,
        title: `${title} (\`pnpm bench:cluster\`)`,
        intro: `${machine}\n\nEach figure is the median over runs (and over pokes within a run), with the min–max in parentheses.`,
        tables,
      }),
    ].join('\n'),
  );
  console.log('cluster: bench/RESULTS.md (cluster section) rewritten');
}
if (broken.length) {
  console.error(`cluster: the harness broke:\n- ${broken.join('\n- ')}`);
  process.exit(1);
}
