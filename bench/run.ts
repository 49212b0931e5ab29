/**
 * `npm run bench`: copy speed side by side, in one run, on local registries.
 *
 * - cross-registry copy of a 512 MiB, 8-layer image into a fresh registry:
 *   oci-promote vs `skopeo copy --preserve-digests` vs a floor of raw curl streaming;
 * - the same for one 2 GiB layer (memory must stay flat in layer size);
 * - same-registry copy into a new repository (blobs are mounted), as a command and as
 *   a library call (without Node's start-up);
 * - a no-op re-copy of an image the destination already has;
 * - the batch rows (bench/batch.ts): 200 small images promoted with one `promote
 *   --from-file` vs a shell loop of `skopeo copy`, its re-run, its memory at 50 and 200
 *   entries, and one `promote --semver` of a small image vs `skopeo copy`.
 *
 * - start-up: `--version` and `--help` next to `node -e 0` (bench/startup.ts).
 *
 * The copy rows' registries store on disk, the batch rows' on tmpfs (MEMORY_DIR below);
 * all keep distribution's in-memory blob descriptor cache on, as its shipped config does
 * (AS_SHIPPED below).
 *
 * Each figure is the median of BENCH_RUNS runs (default 3). BENCH_ONLY=startup, copy or
 * batch runs one part; BENCH_BATCH_SIZE (default 200) sets the batch's size. It prints a Markdown table
 * and the targets, and exits non-zero only on a crash: a measurement, not a test.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { copy, createClient, parseReference } from '../lib/index.js';
import { type RandomImage, writeRandomImage } from '../test/helpers/random.js';
import { type Registry, startRegistry } from '../test/helpers/registry.js';
import { pushLayout, skopeoDigest } from '../test/helpers/seed.js';
import {
  batchRows,
  batchScenarios,
  OURS_BATCH,
  OURS_SINGLE,
  PROMOTE_FLOOR,
  SINGLE,
  SKOPEO_LOOP,
  type Storage,
} from './batch.js';
import { floorScript, mountFloorScript } from './floor.js';
import { measure, median, type Sample, skopeoCopy } from './measure.js';
import { startupRows } from './startup.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const only = process.env.BENCH_ONLY ?? '';
const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 200);
const MiB = 2 ** 20;
const bin = fileURLToPath(new URL('../oci-promote.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

interface Row {
  scenario: string;
  tool: string;
  samples: Sample[];
}

/**
 * Where the small-image rows' registries keep their storage: tmpfs. On this kind of VM a
 * registry's many small file writes (upload sessions, links) cost it more CPU than the
 * requests themselves, on the same 2 cores as the client, which then measures the disk;
 * a registry elsewhere (GHCR) costs the client nothing of the kind. Both tools get the same.
 */
const MEMORY_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/**
 * AS_SHIPPED turns on what distribution's example config (and Debian's
 * /etc/docker/registry/config.yml) turns on and the test harness leaves off: the in-memory
 * blob descriptor cache, which spares the registry a look into its blob store for each
 * blob a request names (5-20 % of the registries' CPU in a batch of 100 small images,
 * measured). Both tools get the same registries.
 */
const AS_SHIPPED = (config: Record<string, unknown>) => {
  const storage = config.storage as Record<string, unknown>;
  storage.cache = { blobdescriptor: 'inmemory' };
};

const ours = (src: string, dst: string) => [bin, 'copy', '--plain-http', '--quiet', src, dst];

class Bench {
  readonly rows: Row[] = [];
  readonly registries: Registry[] = [];

  readonly runs = runs;
  readonly bin = bin;

  constructor(readonly work: string) {}

  row(scenario: string, tool: string): Row {
    const found = this.rows.find((x) => x.scenario === scenario && x.tool === tool);
    if (found) return found;
    const r: Row = { scenario, tool, samples: [] };
    this.rows.push(r);
    return r;
  }

  #promoteFloor: Promise<string> | undefined;

  /** promoteFloor is bench/promote-floor.mjs, bundled once. */
  promoteFloor(): Promise<string> {
    this.#promoteFloor ??= bundleFloor(this.work, 'promote-floor.mjs');
    return this.#promoteFloor;
  }

  async fresh(storage: Storage = 'disk'): Promise<Registry> {
    const r = await startRegistry({
      configure: AS_SHIPPED,
      ...(storage === 'memory' && { parentDir: MEMORY_DIR }),
    });
    this.registries.push(r);
    return r;
  }

  median(scenario: string, tool: string, f: (s: Sample) => number): number {
    return median(this.row(scenario, tool).samples.map(f));
  }

  /** image writes a synthetic image and pushes it to a new source registry. */
  async image(
    name: string,
    layers: number,
    layerSize: number,
  ): Promise<{ image: RandomImage; src: Registry }> {
    process.stderr.write(`generating ${name}: ${layers} × ${layerSize / MiB} MiB…\n`);
    const dir = join(this.work, name);
    const image = await writeRandomImage(dir, {
      seed: name,
      layers,
      layerSize,
      tag: 'v1',
      format: 'raw',
    });
    const src = await this.fresh();
    await pushLayout(src, dir, 'v1', 'bench/app', 'v1');
    return { image, src };
  }

  /**
   * crossRegistry copies `image` from `src` into a fresh registry once per tool and run.
   * A fresh registry each time: skopeo's blob-info cache would otherwise mount from an
   * earlier run's repository. The order of the tools rotates between runs.
   */
  async crossRegistry(
    scenario: string,
    image: RandomImage,
    src: Registry,
    floor: boolean,
  ): Promise<void> {
    const source = `${src.host}/bench/app:v1`;
    const manifestFile = join(this.work, `${scenario.length}-manifest.json`);
    await writeFile(manifestFile, image.manifestBytes);
    const script = join(this.work, 'floor.sh');
    await writeFile(script, floorScript(), { mode: 0o755 });
    const tools: Array<[string, string, (dst: string) => string[]]> = [
      ['oci-promote', process.execPath, (d) => ours(source, d)],
      ['skopeo', 'skopeo', (d) => skopeoCopy(source, d)],
    ];
    if (floor) {
      tools.push([
        'floor: curl GET → PUT, 4 at once',
        'bash',
        (d) => [script, src.host, d.split('/')[0]!, 'bench/app', 'v1', manifestFile],
      ]);
    }
    for (let i = 0; i < runs; i++) {
      process.stderr.write(`${scenario}: run ${i + 1}/${runs}\n`);
      for (let k = 0; k < tools.length; k++) {
        const [name, cmd, args] = tools[(i + k) % tools.length]!;
        const dst = await this.fresh();
        const target = `${dst.host}/bench/app:v1`;
        this.row(scenario, name).samples.push(await measure(dst, cmd, args(target)));
        const got = await skopeoDigest(dst, 'bench/app:v1');
        if (got !== image.digest)
          throw new Error(`${name} produced ${got}, expected ${image.digest}`);
        if (floor && name !== tools[2]![0]) {
          this.row('no-op re-copy (already there)', name).samples.push(
            await measure(dst, cmd, args(target)),
          );
        }
        await dst.stop();
      }
    }
  }

  /**
   * sameRegistry copies into a new repository of the source's registry: the command, the
   * library call, and two floors — curl, and Node with undici alone (bench/node-floor.mjs).
   */
  async sameRegistry(src: Registry, manifest: Uint8Array): Promise<void> {
    const client = createClient({ plainHttp: true });
    const manifestFile = join(this.work, 'same-manifest.json');
    await writeFile(manifestFile, manifest);
    const curlFloor = join(this.work, 'mount-floor.sh');
    await writeFile(curlFloor, mountFloorScript(), { mode: 0o755 });
    const nodeFloor = await bundleFloor(this.work, 'node-floor.mjs');
    const SAME = 'same-registry copy (mount)';
    try {
      for (let i = 0; i < runs; i++) {
        const dst = (n: string) => `${src.host}/prod-${n}-${i}/app:v1`;
        this.row(SAME, 'oci-promote command').samples.push(
          await measure(src, process.execPath, ours(`${src.host}/bench/app:v1`, dst('cli'))),
        );
        this.row(SAME, 'floor: node + undici alone').samples.push(
          await measure(src, process.execPath, [
            nodeFloor,
            src.host,
            'bench/app',
            `prod-node-${i}/app`,
            'v1',
          ]),
        );
        this.row(SAME, 'floor: curl mounts + PUT').samples.push(
          await measure(src, 'bash', [
            curlFloor,
            src.host,
            'bench/app',
            `prod-curl-${i}/app`,
            'v1',
            manifestFile,
          ]),
        );
        await src.resetRequests();
        const started = performance.now();
        await copy(client, parseReference(`${src.host}/bench/app:v1`), parseReference(dst('lib')));
        const wall = (performance.now() - started) / 1000;
        const requests = (await src.settledRequests()).length;
        this.row(SAME, 'oci-promote library call').samples.push({
          wall,
          cpu: Number.NaN,
          rssMiB: Number.NaN,
          requests,
        });
      }
    } finally {
      await client.close();
    }
  }

  table(): string[] {
    const n = (v: number, d: number) => (Number.isNaN(v) ? '–' : v.toFixed(d));
    return [
      '| scenario | tool | wall (s) | client CPU (s) | peak RSS (MiB) | requests at destination |',
      '|---|---|---:|---:|---:|---:|',
      ...this.rows.map((r) => {
        const m = (f: (s: Sample) => number) => median(r.samples.map(f));
        return `| ${r.scenario} | ${r.tool} | ${n(
          m((s) => s.wall),
          2,
        )} | ${n(
          m((s) => s.cpu),
          2,
        )} | ${n(
          m((s) => s.rssMiB),
          0,
        )} | ${m((s) => s.requests)} |`;
      }),
    ];
  }
}

async function main(): Promise<void> {
  const bench = new Bench(await mkdtemp(join(tmpdir(), 'oci-promote-bench-')));
  try {
    const targets = [
      ...(only === '' || only === 'startup' ? await startupRows(bench) : []),
      ...(only === '' || only === 'copy' ? await copyTargets(bench) : []),
      ...(only === '' || only === 'batch' ? await batchTargets(bench) : []),
    ];
    const { stdout: skopeoVersion } = await exec('skopeo', ['--version']);
    const lines = [
      `oci-promote benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${skopeoVersion.trim()}, median of ${runs} run(s)`,
      '',
      ...bench.table(),
      '',
      '| target | measured | |',
      '|---|---|---|',
      ...targets,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(bench.registries.map((r) => r.stop()));
    await rm(bench.work, { recursive: true, force: true });
  }
}

/**
 * bundleFloor bundles a Node floor (bench/node-floor.mjs, bench/promote-floor.mjs) as the
 * CLI is bundled (scripts/bundle/build.mjs: the same undici files, no node:http2); returns
 * its path.
 */
async function bundleFloor(work: string, name: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(work, name);
  await build({
    entryPoints: [join(ROOT, 'bench', name)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    alias: { 'node:http2': join(ROOT, 'scripts', 'bundle', 'no-http2.cjs') },
    logLevel: 'warning',
  });
  return outfile;
}

const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** copyTargets runs the copy rows and returns their lines of the targets table. */
async function copyTargets(bench: Bench): Promise<string[]> {
  const eight = '8 × 64 MiB cross-registry';
  const one = '1 × 2 GiB cross-registry';
  const small = await bench.image('bench-8x64', 8, 64 * MiB);
  await bench.crossRegistry(eight, small.image, small.src, true);
  await bench.sameRegistry(small.src, small.image.manifestBytes);
  await small.src.stop();
  const big = await bench.image('bench-1x2048', 1, 2048 * MiB);
  await bench.crossRegistry(one, big.image, big.src, false);
  await big.src.stop();

  const m = (s: string, t: string, f: (x: Sample) => number) => bench.median(s, t, f);
  const wall = m(eight, 'oci-promote', (s) => s.wall);
  const floorWall = m(eight, 'floor: curl GET → PUT, 4 at once', (s) => s.wall);
  const cpu = m(eight, 'oci-promote', (s) => s.cpu);
  const rss = m(eight, 'oci-promote', (s) => s.rssMiB);
  const rssBig = m(one, 'oci-promote', (s) => s.rssMiB);
  const sameCli = m('same-registry copy (mount)', 'oci-promote command', (s) => s.wall);
  const sameLib = m('same-registry copy (mount)', 'oci-promote library call', (s) => s.wall);
  const sameNode = m('same-registry copy (mount)', 'floor: node + undici alone', (s) => s.wall);
  const sameCurl = m('same-registry copy (mount)', 'floor: curl mounts + PUT', (s) => s.wall);
  const noop = m('no-op re-copy (already there)', 'oci-promote', (s) => s.requests);
  return [
    `| cross-registry wall ≤ 1.10 × floor | ${(wall / floorWall).toFixed(2)} × | ${mark(wall <= 1.1 * floorWall)} |`,
    `| client CPU ≤ 1.5 s per 512 MiB | ${cpu.toFixed(2)} s | ${mark(cpu <= 1.5)} |`,
    `| peak RSS ≤ 96 MiB | ${rss.toFixed(0)} MiB (2 GiB layer: ${rssBig.toFixed(0)} MiB) | ${mark(rss <= 96 && rssBig <= 96)} |`,
    `| 2 GiB layer within 8 MiB of the 64 MiB layers | ${(rssBig - rss).toFixed(1)} MiB | ${mark(rssBig - rss <= 8)} |`,
    `| same-registry copy ≤ 0.25 s | command ${sameCli.toFixed(2)} s, library call ${sameLib.toFixed(2)} s (floors: node + undici alone ${sameNode.toFixed(2)} s, curl ${sameCurl.toFixed(2)} s) | ${mark(sameCli <= 0.25)} (command) |`,
    `| no-op re-copy ≤ 3 requests to the destination | ${noop} | ${mark(noop <= 3)} |`,
  ];
}

/** batchTargets runs the batch rows (bench/batch.ts) and returns their targets lines. */
async function batchTargets(bench: Bench): Promise<string[]> {
  const figures = await batchRows(bench, batchSize);
  const s = batchScenarios(batchSize);
  const m = (sc: string, t: string, f: (x: Sample) => number) => bench.median(sc, t, f);
  const ours = m(s.batch, OURS_BATCH, (x) => x.wall);
  const loop = m(s.batch, SKOPEO_LOOP, (x) => x.wall);
  const rss = m(s.batch, OURS_BATCH, (x) => x.rssMiB);
  const rssQuarter = m(s.quarter, OURS_BATCH, (x) => x.rssMiB);
  const floor = m(s.batch, PROMOTE_FLOOR, (x) => x.wall);
  const single = m(SINGLE, OURS_SINGLE, (x) => x.wall);
  const skopeoSingle = m(SINGLE, 'skopeo copy', (x) => x.wall);
  const singleFloor = m(SINGLE, PROMOTE_FLOOR, (x) => x.wall);
  const perImage = figures.rerunPerImage;
  // Flat: the larger batch may hold its list and results (a few KiB per entry), no more.
  const flat = rss - rssQuarter <= 8;
  return [
    `| batch of ${batchSize} ≤ 0.25 × the skopeo loop | ${(ours / loop).toFixed(2)} × (${ours.toFixed(1)} s vs ${loop.toFixed(1)} s; floor: node + undici making the same requests ${floor.toFixed(1)} s, ${(floor / loop).toFixed(2)} ×) | ${mark(ours <= 0.25 * loop)} |`,
    `| re-run of the all-present batch ≤ 4 requests per image | ${perImage.toFixed(2)} (${figures.rerunKinds}) | ${mark(perImage <= 4)} |`,
    `| batch memory flat in entries (within 8 MiB) | ${rssQuarter.toFixed(0)} MiB at ${Math.max(1, Math.floor(batchSize / 4))}, ${rss.toFixed(0)} MiB at ${batchSize} | ${mark(flat)} |`,
    `| single promote --semver ≤ 0.3 s | ${single.toFixed(2)} s (skopeo copy ${skopeoSingle.toFixed(2)} s; floor: node + undici making the same requests ${singleFloor.toFixed(2)} s) | ${mark(single <= 0.3)} |`,
  ];
}

await main();
