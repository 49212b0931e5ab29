/**
 * Start-up of the bundled CLI next to bare Node, measured in one loop:
 *
 *   npm run build:tools && node dist/scripts/bundle/startup.js [--runs N] [--log] [BIN ...]
 *
 * Each round runs, in an order that rotates every round, `node -e 0` and for every BIN
 * (default dist/oci-promote.mjs): `--version`, `--help`, and `promote --plain-http --semver`
 * of busybox (amd64, from fixtures/oci-layouts, seeded with skopeo) between two local
 * registries, into a new repository each time so every run does the same work. On a busy
 * machine the absolute times say little: read the differences to `node -e 0` of the same
 * round (medians of those differences are printed) and the CPU seconds. `--log` prints
 * one promotion's `--log-level debug` lines (each request with its milliseconds).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, timed } from '../../bench/measure.js';
import { type Registry, startRegistry } from '../../test/helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../../test/helpers/seed.js';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '11' }, log: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const bins =
  positionals.length > 0
    ? positionals
    : [fileURLToPath(new URL('../../oci-promote.mjs', import.meta.url))];

interface Case {
  name: string;
  args: (round: number) => string[];
}

const registries: Registry[] = [];
try {
  const staging = await startRegistry();
  registries.push(staging);
  const production = await startRegistry();
  registries.push(production);
  await pushLayout(staging, BUSYBOX_LAYOUT, 'amd64', 'staging/busybox', '1.36.1');
  const source = `${staging.host}/staging/busybox:1.36.1`;
  const promote = (bin: number, round: number) => [
    'promote',
    '--plain-http',
    '--quiet',
    '--semver',
    source,
    '--to',
    `${production.host}/prod/b${bin}-r${round}`,
  ];

  const cases: Case[] = [{ name: 'node -e 0', args: () => ['-e', '0'] }];
  bins.forEach((bin, b) => {
    const label = bins.length > 1 ? `[${b}] ` : '';
    cases.push(
      { name: `${label}--version`, args: () => [bin, '--version'] },
      { name: `${label}--help`, args: () => [bin, '--help'] },
      { name: `${label}promote --semver`, args: (r) => [bin, ...promote(b, r)] },
    );
  });

  const wall = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  const overNode = cases.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    process.stderr.write(`round ${r + 1}/${runs}\n`);
    const round: number[] = [];
    for (let k = 0; k < cases.length; k++) {
      const i = (r + k) % cases.length;
      const s = await timed(process.execPath, cases[i]!.args(r));
      round[i] = s.wall;
      wall[i]!.push(s.wall);
      cpu[i]!.push(s.cpu);
    }
    for (let i = 0; i < cases.length; i++) overNode[i]!.push(round[i]! - round[0]!);
  }

  bins.forEach((bin, b) => void process.stdout.write(`[${b}] ${bin}\n`));
  process.stdout.write(
    `${runs} rounds; medians in seconds\n| case | wall | − node -e 0 (same round) | CPU (user+sys) |\n|---|---|---|---|\n`,
  );
  cases.forEach((c, i) => {
    const cells = [median(wall[i]!), median(overNode[i]!), median(cpu[i]!)].map((x) =>
      x.toFixed(3),
    );
    process.stdout.write(`| ${c.name} | ${cells.join(' | ')} |\n`);
  });

  if (values.log) timeline(bins[0]!, promote(0, runs));
} finally {
  await Promise.all(registries.map((r) => r.stop()));
}

/**
 * timeline runs one promotion with `--log-level debug --log-format json` and prints each
 * request on a time line from the spawn: when it started, how long it took, and what it
 * was; then where the whole-process time went.
 */
function timeline(bin: string, promoteArgs: string[]): void {
  const args = [bin, ...promoteArgs, '--log-level', 'debug', '--log-format', 'json'];
  const spawned = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const total = Date.now() - spawned;
  process.stdout.write(
    `\n$ node ${args.join(' ')}\n| start ms | ms | request | status |\n|---|---|---|---|\n`,
  );
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let busy = 0;
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as {
      time: number;
      ms?: number;
      method?: string;
      url?: string;
      status?: number;
    };
    if (e.ms === undefined || !e.url) continue;
    const end = e.time - spawned;
    const start = end - e.ms;
    first = Math.min(first, start);
    last = Math.max(last, end);
    busy += e.ms;
    const url = new URL(e.url);
    process.stdout.write(
      `| ${start} | ${e.ms} | ${e.method} ${url.host}${url.pathname.replace(/sha256:(\w{12})\w+/g, 'sha256:$1…')} | ${e.status} |\n`,
    );
  }
  process.stdout.write(
    `whole process ${total} ms: first request at ${first} ms, requests until ${last} ms (sum of request times ${busy} ms, some in parallel), exit ${total - last} ms after the last response\n`,
  );
  if (r.status !== 0) process.stdout.write(r.stderr);
}
