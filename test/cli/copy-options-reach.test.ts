// Every copy flag reaches the copy engine, from each command that copies: `copy`,
// `promote` and `promote --from-file` (issue 8 item 4: `--chunk-size` was lost on the
// way to the batch). Each flag is observed by its effect on the wire or in the
// destination, through fault proxies in front of two real registries:
//   --jobs 1          at most one blob download from the source at a time (slowed, so
//                     transfers that were allowed to overlap would)
//   --chunk-size      the layer goes up in PATCHes of at most that size (default: one PUT)
//   --platform        only that child of the index is copied; the digest is a new index
//   --referrers       the child's SBOM is copied too
//   --dry-run         nothing is written
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { Json } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { BUSYBOX_LAYOUT, headManifest, pushLayout, seedWithReferrers } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, cli, work } = await twoRegistries(t, 'copy-options-reach');
const srcProxy = await startFaultProxy(t, src);
const dstProxy = await startFaultProxy(t, dst);
const KiB = 1024;
const CHUNK = 256 * KiB;

const seeded = await seedWithReferrers(src, 'staging/busybox');
const index = await pushLayout(src, BUSYBOX_LAYOUT, 'multiarch', 'staging/busybox');
const arm64 = await pushLayout(src, BUSYBOX_LAYOUT, 'arm64', 'staging/busybox');
const source = `${srcProxy.host}/staging/busybox:multiarch`;

// Blob downloads from the source are slowed (64 KiB every 2 ms) and counted while in flight.
const inFlight = { now: 0, max: 0 };
srcProxy.addRule({
  name: 'slow blob',
  method: 'GET',
  path: /\/blobs\/sha256:/,
  when: () => {
    const rec = srcProxy.requests.at(-1)!; // the request being decided on
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    void rec.done.then(() => inFlight.now--);
    return true;
  },
  action: { type: 'slow', stallMs: 2, chunkBytes: 64 * KiB },
});

/** An entry point: the CLI arguments that copy `source` into `repo`, and where its copy result is. */
interface EntryPoint {
  name: string;
  argv(repo: string, flags: string[]): Promise<string[]>;
  copyResult(json: Json): Json;
  dryRun(json: Json): boolean;
}

const entryPoints: EntryPoint[] = [
  {
    name: 'copy',
    argv: async (repo, flags) => ['copy', source, `${dstProxy.host}/${repo}:multiarch`, ...flags],
    copyResult: (j) => j,
    dryRun: (j) => j.dryRun,
  },
  {
    name: 'promote',
    argv: async (repo, flags) => ['promote', source, '--to', `${dstProxy.host}/${repo}`, ...flags],
    copyResult: (j) => j.copy,
    dryRun: (j) => j.dryRun,
  },
  {
    name: 'promote --from-file',
    argv: async (repo, flags) => {
      const file = join(work, `${repo.replace(/\//g, '-')}.json`);
      const promotions = [{ source, to: `${dstProxy.host}/${repo}` }];
      await writeFile(file, JSON.stringify({ promotions }));
      return ['promote', '--from-file', file, ...flags];
    },
    copyResult: (j) => j.results[0].result.copy,
    dryRun: (j) => j.dryRun,
  },
];

const flags = ['--jobs', '1', '--chunk-size', '256KiB', '--platform', 'linux/amd64', '--referrers'];

for (const ep of entryPoints) {
  const slug = ep.name.replace(/\W+/g, '-');

  t.test(
    `${ep.name}: --jobs, --chunk-size, --platform and --referrers reach the copy`,
    async (t) => {
      const repo = `prod/${slug}`;
      inFlight.max = 0;
      dstProxy.clearRecords();
      const r = await cli.run([...(await ep.argv(repo, flags)), '--plain-http', '--json']);
      t.equal(r.code, 0, r.stderr);
      await Promise.all([srcProxy.settle(), dstProxy.settle()]);

      t.equal(inFlight.max, 1, '--jobs 1: one blob download at a time');

      const uploads = dstProxy.requests.filter((q) =>
        q.path.startsWith(`/v2/${repo}/blobs/uploads`),
      );
      const patches = uploads.filter((q) => q.method === 'PATCH');
      t.ok(
        patches.length >= 4,
        `--chunk-size 256KiB: the 1 MiB layer in chunks (${patches.length} PATCHes; ${uploads.map((q) => `${q.method} ${q.requestBytes}`).join(', ')})`,
      );
      t.ok(
        patches.every((q) => q.requestBytes <= CHUNK),
        `every chunk at most 256 KiB (${patches.map((q) => q.requestBytes).join(', ')})`,
      );

      t.ok(await headManifest(dst, repo, seeded.subject), '--platform: the amd64 image is copied');
      t.equal(await headManifest(dst, repo, arm64), undefined, '--platform: the arm64 one is not');
      t.not(ep.copyResult(r.json()).digest ?? r.json().digest, index, 'the copied index is new');

      const referrers = ep.copyResult(r.json()).referrers as Json[];
      t.ok(referrers.length > 0, '--referrers: referrers listed in the result');
      t.ok(await headManifest(dst, repo, seeded.sbom), '--referrers: the SBOM is copied');
    },
  );

  t.test(`${ep.name}: --dry-run reaches the copy`, async (t) => {
    const repo = `prod/${slug}-dry`;
    dstProxy.clearRecords();
    const r = await cli.run([...(await ep.argv(repo, ['--dry-run'])), '--plain-http', '--json']);
    t.equal(r.code, 0, r.stderr);
    await dstProxy.settle();
    t.equal(ep.dryRun(r.json()), true, 'the result says dry run');
    const writes = dstProxy.requests.filter((q) => ['POST', 'PUT', 'PATCH'].includes(q.method));
    t.same(
      writes.map((q) => `${q.method} ${q.path}`),
      [],
      'nothing written',
    );
    t.equal(await headManifest(dst, repo, index), undefined);
  });
}
