/**
 * The batch rows of `npm run bench` (issue 9, "No fixed waits; batch at scale"):
 *
 * - 200 small single-layer images, one repository each, staging registry → production
 *   registry: one `promote --from-file` vs a shell loop of `skopeo copy`, alternating
 *   which goes first, each into a fresh production registry;
 * - the same batch run again once everything is there: requests per image, counted in both
 *   registries' access logs;
 * - peak RSS of the batch at 50 and at 200 entries (memory must stay flat);
 * - one `promote --semver` of a small image (`node dist/oci-promote.mjs`, not npx) vs one
 *   `skopeo copy` of it;
 * - for the batch and the single promote, a floor: Node and undici alone making the
 *   promotion's requests (bench/promote-floor.mjs).
 *
 * Their registries keep their storage on tmpfs (bench/run.ts MEMORY_DIR).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summarizeRequests } from '../test/helpers/registry/access-log.js';
import type { Registry } from '../test/helpers/registry.js';
import { skopeoDigest } from '../test/helpers/seed.js';
import { measure, median, type Sample, skopeoCopy } from './measure.js';
import { promotionsFile, pushSmallImages, type SmallImage, skopeoLoop } from './small-images.js';

export type Storage = 'disk' | 'memory';

/** BenchContext is what the rows need from the bench run (bench/run.ts). */
export interface BenchContext {
  readonly work: string;
  readonly runs: number;
  /** The bundled CLI, run as `node <bin>`. */
  readonly bin: string;
  /** A new registry; 'memory' keeps its storage on tmpfs (bench/run.ts MEMORY_DIR). */
  fresh(storage?: Storage): Promise<Registry>;
  /** bench/promote-floor.mjs, bundled. */
  promoteFloor(): Promise<string>;
  row(scenario: string, tool: string): { samples: Sample[] };
}

/** The scenario names of a batch of `count` images (a quarter of it for the memory row). */
export const batchScenarios = (count: number) => ({
  batch: `${count} small images, one batch`,
  quarter: `${quarterOf(count)} small images, one batch`,
  rerun: `${count} small images, batch re-run (all present)`,
});
const quarterOf = (count: number) => Math.max(1, Math.floor(count / 4));
export const SINGLE = 'one small image, promote --semver';
export const OURS_BATCH = 'oci-promote promote --from-file';
export const SKOPEO_LOOP = 'shell loop of skopeo copy';
export const OURS_SINGLE = 'node dist/oci-promote.mjs promote';
export const SKOPEO = 'skopeo copy';
export const PROMOTE_FLOOR = 'floor: node + undici, the same requests';

/** floorArgs: bench/promote-floor.mjs promoting `images` as the CLI does (prod/… names). */
const floorArgs = (
  floor: string,
  src: Registry,
  dst: Registry,
  images: readonly SmallImage[],
  semver: boolean,
  to = (i: SmallImage) => i.repository.replace(/^staging\//, 'prod/'),
) => [
  floor,
  src.host,
  dst.host,
  '8',
  semver ? '1' : '0',
  images[0]!.tag,
  ...images.map((i) => `${i.repository}=${to(i)}`),
];

/** BatchFigures are what the targets table needs beyond the medians of the rows. */
export interface BatchFigures {
  /** Median requests per image of the re-run, both registries together. */
  rerunPerImage: number;
  /** What the re-run's requests were, per image (from the median run's logs). */
  rerunKinds: string;
}

/** batchRows runs every batch row `ctx.runs` times and returns the re-run's figures. */
export async function batchRows(ctx: BenchContext, count = 200): Promise<BatchFigures> {
  const { batch: BATCH, quarter: QUARTER, rerun: RERUN } = batchScenarios(count);
  const src = await ctx.fresh('memory');
  process.stderr.write(`pushing ${count} small images…\n`);
  const images = await pushSmallImages(src, count);
  const promoteFile = (dst: Registry, list: readonly SmallImage[], name: string) =>
    prepared(ctx, name, promotionsFile(src, dst, list), (file) => [
      ctx.bin,
      'promote',
      '--plain-http',
      '--quiet',
      '--from-file',
      file,
    ]);
  const perImage: Array<{ n: number; kinds: string }> = [];
  const floor = await ctx.promoteFloor();

  for (let i = 0; i < ctx.runs; i++) {
    process.stderr.write(`batch of ${count}: run ${i + 1}/${ctx.runs}\n`);
    const tools: Array<() => Promise<void>> = [
      async () => {
        const dst = await ctx.fresh('memory');
        const args = await promoteFile(dst, images, `batch-${i}.yaml`);
        ctx.row(BATCH, OURS_BATCH).samples.push(await measure(dst, process.execPath, args));
        await check(dst, images);
        // Everything is there now: what does running it again cost?
        await src.resetRequests();
        const again = await measure(dst, process.execPath, args);
        const atSource = await src.settledRequests();
        const atTarget = dst.requests();
        const n = (atSource.length + atTarget.length) / images.length;
        ctx.row(RERUN, OURS_BATCH).samples.push(again);
        perImage.push({
          n,
          kinds: `staging: ${kindsPerImage(atSource, images)}; production: ${kindsPerImage(atTarget, images)}`,
        });
        await dst.stop();
      },
      async () => {
        const dst = await ctx.fresh('memory');
        const script = join(ctx.work, `skopeo-loop-${i}.sh`);
        await writeFile(script, skopeoLoop(src, dst, images), { mode: 0o755 });
        ctx.row(BATCH, SKOPEO_LOOP).samples.push(await measure(dst, 'bash', [script]));
        await check(dst, images);
        await dst.stop();
      },
      async () => {
        const dst = await ctx.fresh('memory');
        const args = floorArgs(floor, src, dst, images, false);
        ctx.row(BATCH, PROMOTE_FLOOR).samples.push(await measure(dst, process.execPath, args));
        await check(dst, images);
        await dst.stop();
      },
    ];
    for (let k = 0; k < tools.length; k++) await tools[(i + k) % tools.length]!();

    // Memory at a quarter of the entries (the 200-entry figure is the row above).
    const dst = await ctx.fresh('memory');
    const quarter = images.slice(0, quarterOf(count));
    const args = await promoteFile(dst, quarter, `batch-quarter-${i}.yaml`);
    ctx.row(QUARTER, OURS_BATCH).samples.push(await measure(dst, process.execPath, args));
    await dst.stop();
  }
  await singleRows(ctx, src, images[0]!, floor);
  await src.stop();

  const byN = [...perImage].sort((a, b) => a.n - b.n);
  const mid = byN[Math.floor((byN.length - 1) / 2)]!;
  return { rerunPerImage: median(perImage.map((p) => p.n)), rerunKinds: mid.kinds };
}

/**
 * singleRows promotes one small image with `--semver` into a new repository of a fresh
 * registry, copies it there with skopeo, and makes the promotion's requests with the
 * floor, rotating which goes first.
 */
async function singleRows(
  ctx: BenchContext,
  src: Registry,
  image: SmallImage,
  floor: string,
): Promise<void> {
  const source = `${src.host}/${image.repository}:${image.tag}`;
  for (let i = 0; i < ctx.runs; i++) {
    process.stderr.write(`single promote: run ${i + 1}/${ctx.runs}\n`);
    const tools: Array<[string, string, (dst: Registry) => string[]]> = [
      [
        OURS_SINGLE,
        process.execPath,
        (dst) => [
          ctx.bin,
          'promote',
          '--plain-http',
          '--quiet',
          '--semver',
          source,
          '--to',
          `${dst.host}/prod/app`,
        ],
      ],
      ['skopeo copy', 'skopeo', (dst) => skopeoCopy(source, `${dst.host}/prod/app:${image.tag}`)],
      [
        PROMOTE_FLOOR,
        process.execPath,
        (dst) => floorArgs(floor, src, dst, [image], true, () => 'prod/app'),
      ],
    ];
    for (let k = 0; k < tools.length; k++) {
      const [name, cmd, args] = tools[(i + k) % tools.length]!;
      const dst = await ctx.fresh('memory');
      ctx.row(SINGLE, name).samples.push(await measure(dst, cmd, args(dst)));
      await dst.stop();
    }
  }
}

/** prepared writes the promotions file and returns the command's arguments. */
async function prepared(
  ctx: BenchContext,
  name: string,
  text: string,
  args: (file: string) => string[],
): Promise<string[]> {
  const file = join(ctx.work, name);
  await writeFile(file, text);
  return args(file);
}

/** check confirms a few of the images arrived whole (first, middle, last). */
async function check(dst: Registry, images: readonly SmallImage[]): Promise<void> {
  for (const k of new Set([0, Math.floor(images.length / 2), images.length - 1])) {
    const i = images[k]!;
    const repo = i.repository.replace(/^staging\//, 'prod/');
    const got = await skopeoDigest(dst, `${repo}:${i.tag}`);
    if (got !== i.digest) throw new Error(`${dst.host}/${repo} holds ${got}, expected ${i.digest}`);
  }
}

/** kindsPerImage renders the request kinds per image, e.g. `GET manifest 200 ×1.00`. */
function kindsPerImage(
  entries: Parameters<typeof summarizeRequests>[0],
  images: readonly SmallImage[],
): string {
  return Object.entries(summarizeRequests(entries))
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ×${(n / images.length).toFixed(2)}`)
    .join(', ');
}
