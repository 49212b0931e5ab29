// A failed copy leaves every destination tag as it was: a source index whose child
// manifest is gone, a layer blob deleted at the source mid-graph (across registries and
// within one), and a source blob whose bytes were altered on disk (exit 4, never committed).
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { copy, parseReference } from '../../lib/index.js';
import { writeRandomImage } from '../helpers/random.js';
import type { Registry } from '../helpers/registry.js';
import {
  BUSYBOX_LAYOUT,
  blobExists,
  deleteManifest,
  headManifest,
  listTags,
  pushLayout,
  rawRequest,
  seedBusybox,
} from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client, cli, work } = await twoRegistries(t, 'failure');

// The image the production tags point at before each failed copy.
const old = await writeRandomImage(join(work, 'old'), {
  seed: 'failure-old',
  layers: 1,
  layerSize: 1000,
  tag: 'old',
});
await pushLayout(src, old.dir, 'old', 'staging/old');

const ref = (reg: Registry, s: string) => parseReference(`${reg.host}/${s}`);
/** Points `repo:1.0` at the old image on `reg` (by copying it there). */
async function tagOld(reg: Registry, repo: string): Promise<void> {
  await copy(client, ref(src, 'staging/old:old'), ref(reg, `${repo}:1.0`));
  t.equal(await headManifest(reg, repo, '1.0'), old.digest);
}
const writesOf = async (reg: Registry) =>
  (await reg.settledRequests()).filter((e) => e.method !== 'GET' && e.method !== 'HEAD');

t.test('index whose child manifest was deleted at the source', async (t) => {
  const bb = await seedBusybox(src, 'broken/index');
  await deleteManifest(src, 'broken/index', bb.arm64);
  await tagOld(dst, 'prod/index');
  await dst.resetRequests();

  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${src.host}/broken/index:multiarch`,
    `${dst.host}/prod/index:1.0`,
  ]);
  t.equal(r.code, 1);
  t.equal(r.json().error.code, 'ERR_NOT_FOUND');
  t.match(r.json().error.message, bb.arm64, 'names the missing child');
  t.equal(await headManifest(dst, 'prod/index', '1.0'), old.digest, 'tag 1.0 unchanged');
  t.same(await listTags(dst, 'prod/index'), ['1.0'], 'no tag added');
  t.equal(await headManifest(dst, 'prod/index', bb.index), undefined, 'index not pushed');
  const writes = await writesOf(dst);
  t.same(
    writes.filter((e) => e.kind === 'manifest').map((e) => e.ref),
    writes.filter((e) => e.kind === 'manifest' && e.ref === bb.image).map((e) => e.ref),
    'at most the intact child was written, never the index or a tag',
  );

  // Into a fresh repository: no tag appears at all.
  const fresh = await cli.run([
    'copy',
    '--plain-http',
    `${src.host}/broken/index:multiarch`,
    `${dst.host}/prod/index-fresh:1.0`,
  ]);
  t.equal(fresh.code, 1);
  t.same(await listTags(dst, 'prod/index-fresh'), []);

  // Repair the source; re-running completes and only then moves the tag.
  await pushLayout(src, BUSYBOX_LAYOUT, 'multiarch', 'broken/index');
  const again = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${src.host}/broken/index:multiarch`,
    `${dst.host}/prod/index:1.0`,
  ]);
  t.equal(again.code, 0, again.stderr);
  const j = again.json();
  t.equal(j.manifests.copied + j.manifests.skipped, 3);
  t.same(j.tag, { tag: '1.0', action: 'moved', previousDigest: old.digest });
});

t.test('layer blob deleted at the source mid-graph (across registries)', async (t) => {
  const img = await writeRandomImage(join(work, 'gap'), {
    seed: 'failure-gap',
    layers: 8,
    layerSize: 20_000,
    tag: 'v1',
  });
  await pushLayout(src, img.dir, 'v1', 'broken/blob');
  const gone = img.layers[4]!.digest;
  t.equal((await rawRequest(src, 'DELETE', `/v2/broken/blob/blobs/${gone}`)).status, 202);
  await tagOld(dst, 'prod/blob');
  await dst.resetRequests();

  await t.rejects(
    copy(client, ref(src, 'broken/blob:v1'), ref(dst, 'prod/blob:1.0')),
    { code: 'ERR_NOT_FOUND' },
    'the library rejects with NotFoundError',
  );
  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${src.host}/broken/blob:v1`,
    `${dst.host}/prod/blob:1.0`,
  ]);
  t.equal(r.code, 1);
  t.equal(r.json().error.code, 'ERR_NOT_FOUND');
  t.match(r.json().error.message, gone, 'names the missing blob');
  t.equal(await headManifest(dst, 'prod/blob', '1.0'), old.digest, 'tag 1.0 unchanged');
  t.same(await listTags(dst, 'prod/blob'), ['1.0']);
  t.equal(await headManifest(dst, 'prod/blob', img.digest), undefined, 'manifest not pushed');
  t.notOk(await blobExists(dst, 'prod/blob', gone));
  t.same(
    (await writesOf(dst)).filter((e) => e.kind === 'manifest'),
    [],
    'no manifest write at all',
  );
});

t.test(
  'layer blob missing within one registry: refused mount, failed upload, no tag',
  async (t) => {
    const img = await writeRandomImage(join(work, 'same'), {
      seed: 'failure-same',
      layers: 3,
      layerSize: 5_000,
      tag: 'v1',
    });
    await pushLayout(src, img.dir, 'v1', 'broken/same');
    const gone = img.layers[1]!.digest;
    t.equal((await rawRequest(src, 'DELETE', `/v2/broken/same/blobs/${gone}`)).status, 202);
    await tagOld(src, 'prod/same');
    await src.resetRequests();

    const r = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${src.host}/broken/same:v1`,
      `${src.host}/prod/same:1.0`,
    ]);
    t.equal(r.code, 1);
    t.equal(r.json().error.code, 'ERR_NOT_FOUND');
    t.match(r.json().error.message, gone);
    t.equal(await headManifest(src, 'prod/same', '1.0'), old.digest, 'tag 1.0 unchanged');
    t.same(await listTags(src, 'prod/same'), ['1.0']);
    const log = await src.settledRequests();
    const mount = log.find((e) => e.mount && e.query.includes(gone.slice(7)));
    t.match(mount, { status: 202 }, 'distribution refused the mount and opened a session');
    t.ok(
      log.some((e) => e.method === 'DELETE' && e.kind === 'blob-upload'),
      'the session the refused mount opened was cancelled',
    );
    t.same(
      log.filter((e) => e.kind === 'manifest' && e.method === 'PUT'),
      [],
      'no manifest written',
    );
  },
);

t.test('a source blob whose bytes were altered: exit 4, never committed, no tag', async (t) => {
  const img = await writeRandomImage(join(work, 'rot'), {
    seed: 'failure-rot',
    layers: 2,
    layerSize: 300_000,
    tag: 'v1',
  });
  await pushLayout(src, img.dir, 'v1', 'broken/rot');
  const bad = img.layers[1]!;
  // Flip one byte in the registry's own storage; size unchanged, so only the hash tells.
  const hex = bad.digest.slice('sha256:'.length);
  const file = join(src.dataDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  const fh = await open(file, 'r+');
  const one = Buffer.alloc(1);
  await fh.read(one, 0, 1, 1000);
  one[0] = one[0]! ^ 0xff;
  await fh.write(one, 0, 1, 1000);
  await fh.close();
  await tagOld(dst, 'prod/rot');
  await dst.resetRequests();

  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${src.host}/broken/rot:v1`,
    `${dst.host}/prod/rot:1.0`,
  ]);
  t.equal(r.code, 4, 'integrity failure');
  t.equal(r.json().error.code, 'ERR_DIGEST_MISMATCH');
  t.match(r.json().error.message, bad.digest);
  t.notOk(await blobExists(dst, 'prod/rot', bad.digest), 'the bad blob was never committed');
  t.equal(await headManifest(dst, 'prod/rot', '1.0'), old.digest, 'tag 1.0 unchanged');
  t.equal(await headManifest(dst, 'prod/rot', img.digest), undefined);
  const writes = await writesOf(dst);
  t.ok(
    writes.some((e) => e.method === 'DELETE' && e.kind === 'blob-upload'),
    'its upload session was cancelled',
  );
  t.same(
    writes.filter((e) => e.method === 'PUT' && e.status === 201 && e.query.includes(hex)),
    [],
    'no upload of the bad blob completed',
  );
  t.same(
    writes.filter((e) => e.kind === 'manifest'),
    [],
    'no manifest write',
  );
});

t.test('the first failure stops the rest of the graph', async (t) => {
  const img = await writeRandomImage(join(work, 'stop'), {
    seed: 'failure-stop',
    layers: 6,
    layerSize: 10_000,
    tag: 'v1',
  });
  await pushLayout(src, img.dir, 'v1', 'broken/stop');
  const gone = img.layers[0]!.digest;
  t.equal((await rawRequest(src, 'DELETE', `/v2/broken/stop/blobs/${gone}`)).status, 202);
  await dst.resetRequests();

  // One transfer at a time: the config, then the missing first layer fails; the five
  // layers queued behind it must not be touched at all.
  const r = await cli.run([
    'copy',
    '--plain-http',
    '--jobs',
    '1',
    `${src.host}/broken/stop:v1`,
    `${dst.host}/prod/stop:1.0`,
  ]);
  t.equal(r.code, 1);
  const log = await dst.settledRequests();
  const touched = new Set(log.filter((e) => e.kind === 'blob').map((e) => e.ref));
  t.same(
    [...touched].sort(),
    [img.config.digest, gone].sort(),
    'only the config and the failed layer were looked at',
  );
  t.equal(
    log.filter((e) => e.method === 'PUT' && e.kind === 'blob-upload').length,
    1,
    'only the config was uploaded',
  );
});
