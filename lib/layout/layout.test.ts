// OciLayout as a ContentStore: reading the committed fixtures (umoci's busybox, the artifacts),
// writing and re-reading, refusing digests and tags that could reach outside the layout,
// never exposing a partial blob, and keeping every concurrent index.json update.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { referrersTag } from '../content/referrers.js';
import { copyStores } from '../copy/index.js';
import type { Digest } from '../digest.js';
import {
  DigestMismatchError,
  InvalidDigestError,
  InvalidReferenceError,
  ManifestInvalidError,
  NotFoundError,
  RegistryError,
  SizeMismatchError,
  UsageError,
} from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { OCI_EMPTY, OCI_INDEX, OCI_LAYER, OCI_MANIFEST } from '../media-types.js';
import { REF_NAME } from './files.js';
import { OciLayout, openLayout } from './layout.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'oci-layouts');
const BUSYBOX = join(fixtures, 'busybox');
const ARTIFACTS = join(fixtures, 'artifacts');

const AMD64 = 'sha256:dc196c880f8938af68ca972050b1ac83730c576652c3719589afe13ac58d5372' as Digest;
const ARM64 = 'sha256:979f3cfdb654fa6e3f499aa9bb366d7a52e5d096e8497a3e38d71ff56bf489b8' as Digest;
const INDEX = 'sha256:3dd550d0718f779df7a7581744f042e7bdd4be956a69ca26e61b3e4ed863b5b7' as Digest;
const LAYER = 'sha256:272b0a91b9fcb32393b776bf4ab0cb2ce614aea640a875716c2b0045f364d1cd' as Digest;
const SBOM = 'sha256:ea60b40660a847ebb2a1eaf90821fbfc8d92e162e63ccabe086f669b152b7d2e' as Digest;
const SIG = 'sha256:a0518eb146f836fa67d5715d4b797920bfacea5d97fc830481a2e47fd82639a8' as Digest;

const sha256 = (b: Uint8Array | string): Digest =>
  `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const hex = (d: string) => d.slice('sha256:'.length);

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-layout-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of a committed fixture that a test may change. */
async function fixtureCopy(t: Test, from: string): Promise<string> {
  const dir = join(await tempDir(t), 'layout');
  await cp(from, dir, { recursive: true });
  return dir;
}

/** rejectsWith: the promise rejects with an error of this category (exit code class). */
async function rejectsWith(t: Test, p: Promise<unknown>, category: string, what?: string) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err as { category?: string; message?: string },
  );
  t.equal(e?.category, category, `${what ?? 'rejects'}: ${e?.message ?? 'resolved'}`);
}

const tempFiles = async (dir: string) =>
  (await readdir(join(dir, 'blobs')).catch(() => [])).filter((n) => n.endsWith('.tmp'));

/** until polls `ok` (every 10 ms, at most 10 s). */
async function until(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 10));
}

async function readStream(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const indexJson = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: Array<Descriptor & { annotations?: Record<string, string> }>;
  };
const refNames = async (dir: string) =>
  (await indexJson(dir)).manifests.map((m) => m.annotations?.[REF_NAME]);

/** A tiny image: empty config, one layer of `content`; blobs written into `layout`. */
async function smallImage(layout: OciLayout, content: string) {
  const config = Buffer.from('{}');
  const layer = Buffer.from(content);
  const configDesc = { mediaType: OCI_EMPTY, digest: sha256(config), size: config.length };
  const layerDesc = { mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length };
  await layout.blobs.upload(configDesc, config);
  await layout.blobs.upload(layerDesc, layer);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: configDesc,
      layers: [layerDesc],
    }),
  );
  return { bytes, digest: sha256(bytes), layerDesc };
}

t.test('reads the busybox fixture (umoci): tags, manifests, blobs, verified', async (t) => {
  const layout = await openLayout(BUSYBOX);
  t.equal(layout.path, BUSYBOX);
  t.equal(layout.registry, `oci-layout:${BUSYBOX}`);
  t.equal(String(layout), `oci-layout:${BUSYBOX}`);
  t.same(await layout.listTags(), ['amd64', 'arm64', 'multiarch']);

  t.same(await layout.manifests.head('amd64'), {
    mediaType: OCI_MANIFEST,
    digest: AMD64,
    size: 349,
  });
  t.same(await layout.manifests.head('multiarch'), {
    mediaType: OCI_INDEX,
    digest: INDEX,
    size: 507,
  });
  t.equal(await layout.manifests.head('nope'), undefined, 'unknown tag: undefined');
  t.equal(await layout.manifests.head(sha256('nothing')), undefined, 'unknown digest: undefined');

  // umoci writes image manifests without `mediaType`: by digest, the shape decides.
  const byDigest = await layout.manifests.get(ARM64);
  t.equal(byDigest.descriptor.mediaType, OCI_MANIFEST);
  t.equal(byDigest.manifest.kind, 'image');
  t.same(byDigest.bytes, await readFile(join(BUSYBOX, 'blobs', 'sha256', hex(ARM64))));
  t.same(await layout.manifests.head(ARM64), byDigest.descriptor);

  const index = await layout.manifests.get('multiarch');
  t.equal(index.descriptor.digest, INDEX);
  t.equal(index.manifest.kind, 'index');
  if (index.manifest.kind === 'index') {
    t.same(
      index.manifest.manifests.map((m) => m.digest),
      [AMD64, ARM64],
    );
  }
  await t.rejects(layout.manifests.get('nope'), NotFoundError);
  await t.rejects(layout.manifests.get(sha256('nothing')), NotFoundError);

  t.same(await layout.blobs.stat(LAYER), { size: 1084473 });
  t.equal(await layout.blobs.stat(sha256('nothing')), undefined);
  let progress = 0;
  const body = await layout.blobs.get(
    { mediaType: OCI_LAYER, digest: LAYER, size: 1084473 },
    undefined,
    (n) => {
      progress = n;
    },
  );
  const bytes = await readStream(body);
  t.equal(sha256(bytes), LAYER, 'streamed bytes hash to the digest');
  t.equal(progress, 1084473, 'progress reached the size');
  await t.rejects(
    layout.blobs.get({ mediaType: OCI_LAYER, digest: sha256('nothing'), size: 7 }),
    NotFoundError,
  );
  // Absent content is backend-neutral: ERR_NOT_FOUND with no HTTP status or method.
  const missing = await layout.blobs
    .get({ mediaType: OCI_LAYER, digest: sha256('nothing'), size: 7 })
    .catch((e: unknown) => e as NotFoundError);
  t.match(missing, { code: 'ERR_NOT_FOUND', status: undefined, method: undefined });
  t.notOk(missing instanceof RegistryError, 'a missing layout blob is no registry answer');

  // getFrom: the rest of a blob from an offset (to resume a broken chunked upload).
  const layerDesc = { mediaType: OCI_LAYER, digest: LAYER, size: 1084473 };
  const from = await layout.blobs.getFrom(layerDesc, 1_000_000);
  t.equal(from.start, 1_000_000);
  t.same(await readStream(from.body), bytes.subarray(1_000_000), 'the bytes after the offset');
  t.equal((await readStream((await layout.blobs.getFrom(layerDesc, 1084473)).body)).length, 0);
  await t.rejects(layout.blobs.getFrom(layerDesc, -1), RangeError);
  await t.rejects(layout.blobs.getFrom(layerDesc, 1084474), RangeError);
  await t.rejects(layout.blobs.getFrom({ ...layerDesc, size: 5 }, 0), SizeMismatchError);
});

t.test('reads the artifacts fixture: referrers by tag schema, cosign tag, api false', async (t) => {
  const layout = await openLayout(ARTIFACTS);
  t.equal(layout.referrers.api, false);
  const tags = await layout.listTags();
  t.same(tags, ['sbom', `sha256-${hex(AMD64)}`, `sha256-${hex(AMD64)}.sig`]);
  const referrers = await layout.referrers.list(AMD64);
  t.same(
    referrers.map((r) => [r.digest, r.artifactType]),
    [[SBOM, 'application/spdx+json']],
  );
  t.same(await layout.referrers.list(AMD64, 'application/spdx+json'), referrers);
  t.same(await layout.referrers.list(AMD64, 'application/other'), []);
  t.same(await layout.referrers.list(INDEX), [], 'no fallback tag: no referrers');
  const sig = await layout.manifests.get(`sha256-${hex(AMD64)}.sig`);
  t.equal(sig.descriptor.digest, SIG);
});

t.test('a new layout is created on the first write, and reads back what was written', async (t) => {
  const dir = join(await tempDir(t), 'new', 'layout');
  await t.rejects(openLayout(dir), NotFoundError, 'a source must exist');
  const layout = await openLayout(dir, { create: true });
  t.same(await layout.listTags(), [], 'nothing yet');
  await t.rejects(stat(dir), { code: 'ENOENT' }, 'opening creates nothing');

  const src = await openLayout(BUSYBOX);
  const r = await copyStores({ store: src, tag: 'multiarch' }, { store: layout, tag: 'v1' });
  t.equal(r.digest, INDEX);
  t.equal(r.source, `oci-layout:${BUSYBOX}:multiarch@${INDEX}`);
  t.equal(r.destination, `oci-layout:${dir}:v1@${INDEX}`);
  t.same(r.manifests, { copied: 3, skipped: 0 });
  t.same(r.blobs, { copied: 3, mounted: 0, skipped: 0 });

  t.equal(await readFile(join(dir, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
  const index = await indexJson(dir);
  t.same(index, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      { mediaType: OCI_INDEX, digest: INDEX, size: 507, annotations: { [REF_NAME]: 'v1' } },
    ],
  });
  for (const d of [INDEX, AMD64, ARM64, LAYER]) {
    t.same(
      await readFile(join(dir, 'blobs', 'sha256', hex(d))),
      await readFile(join(BUSYBOX, 'blobs', 'sha256', hex(d))),
      `${d} byte-identical`,
    );
  }
  t.same(
    (await readdir(join(dir, 'blobs'))).sort(),
    ['sha256'],
    'no temporary files left in blobs/',
  );

  // Re-read through a fresh store.
  const again = await openLayout(dir);
  t.same(await again.listTags(), ['v1']);
  t.equal((await again.manifests.get('v1')).descriptor.digest, INDEX);

  // A copy without a tag is recorded without a ref name, once; a later tag replaces it.
  const bare = join(await tempDir(t), 'bare');
  const bareLayout = await openLayout(bare, { create: true });
  await copyStores({ store: src, tag: 'amd64' }, { store: bareLayout });
  await copyStores({ store: src, tag: 'amd64' }, { store: bareLayout });
  t.same(await indexJson(bare), {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, digest: AMD64, size: 349 }],
  });
  const sole = await copyStores({ store: bareLayout }, { store: bareLayout, tag: 'latest' });
  t.equal(sole.digest, AMD64, 'a layout with one manifest is its own default source');
  t.same(await refNames(bare), ['latest'], 'the untagged entry gave way to the tag');
  await t.rejects(
    copyStores({ store: src }, { store: bareLayout }),
    UsageError,
    'several manifests and no tag: refused',
  );
});

t.test('a dry run into a new layout creates nothing', async (t) => {
  const dir = join(await tempDir(t), 'dry');
  const layout = await openLayout(dir, { create: true });
  const src = await openLayout(BUSYBOX);
  const r = await copyStores(
    { store: src, tag: 'multiarch' },
    { store: layout, tag: 'v1' },
    { dryRun: true },
  );
  t.same(r.manifests, { copied: 3, skipped: 0 });
  t.equal(r.tag?.action, 'created');
  await t.rejects(stat(dir), { code: 'ENOENT' });
});

t.test('open refuses what is not a layout', async (t) => {
  const base = await tempDir(t);
  const notLayout = join(base, 'stuff');
  await mkdir(notLayout);
  await writeFile(join(notLayout, 'README'), 'hello');
  await t.rejects(openLayout(notLayout, { create: true }), UsageError, 'a non-empty folder');
  await t.rejects(openLayout(join(base, 'stuff', 'README')), UsageError, 'a file');
  await t.rejects(openLayout(join(base, 'stuff', 'README', 'x'), { create: true }), UsageError);
  await t.rejects(openLayout(''), UsageError, 'an empty path');

  const future = join(base, 'v2');
  await mkdir(future);
  await writeFile(join(future, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
  await t.rejects(openLayout(future), { message: /unsupported imageLayoutVersion "2.0.0"/ });

  // Creation interrupted after oci-layout: still a layout, with nothing in it.
  const half = join(base, 'half');
  await mkdir(half);
  await writeFile(join(half, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const layout = await openLayout(half, { create: true });
  t.same(await layout.listTags(), []);
  const img = await smallImage(layout, 'x');
  await layout.manifests.put('t', img.bytes, OCI_MANIFEST);
  t.same(await refNames(half), ['t']);

  const emptyDir = join(base, 'empty');
  await mkdir(emptyDir);
  await t.rejects(openLayout(emptyDir), NotFoundError, 'an empty folder is no source');
  t.type(await openLayout(emptyDir, { create: true }), OciLayout, 'but may become a destination');
});

t.test(
  'digests and tags that could leave the layout are refused before any path is built',
  async (t) => {
    const dir = await fixtureCopy(t, BUSYBOX);
    const layout = await openLayout(dir);
    const outside = join(dir, '..', 'escaped');
    const badDigests = [
      'sha256:../../../etc/passwd',
      `sha256:../${'a'.repeat(61)}`,
      `sha256:${'A'.repeat(64)}`,
      `sha256:${'a'.repeat(63)}/`,
      `md5:${'a'.repeat(32)}`,
      `../sha256:${'a'.repeat(64)}`,
      `sha256:${'a'.repeat(64)}/../../x`,
    ];
    for (const bad of badDigests) {
      const d = bad as Digest;
      const desc = { mediaType: OCI_LAYER, digest: d, size: 1 };
      await t.rejects(layout.blobs.stat(d), InvalidDigestError, `stat ${bad}`);
      await t.rejects(layout.blobs.get(desc), InvalidDigestError, `get ${bad}`);
      await t.rejects(layout.blobs.upload(desc, Buffer.from('x')), InvalidDigestError);
      await t.rejects(
        layout.blobs.upload(desc, Readable.from([Buffer.from('x')])),
        InvalidDigestError,
        `upload ${bad}`,
      );
      await rejectsWith(t, layout.manifests.head(bad), 'usage', `head ${bad}`);
      await rejectsWith(t, layout.manifests.get(bad), 'usage', `get ${bad}`);
      await rejectsWith(t, layout.manifests.put(bad, Buffer.from('{}'), OCI_MANIFEST), 'usage');
    }
    for (const bad of [
      '../../etc/passwd',
      '..',
      'a/b',
      '.hidden',
      '-x',
      'a b',
      '',
      'x'.repeat(129),
    ]) {
      await t.rejects(layout.manifests.head(bad), InvalidReferenceError, `tag ${bad}`);
      await t.rejects(
        layout.manifests.put(bad, Buffer.from('{}'), OCI_MANIFEST),
        InvalidReferenceError,
      );
    }
    // index.json itself naming a path instead of a digest is refused when read.
    const index = await indexJson(dir);
    index.manifests[0]!.digest = 'sha256:../../../../escaped' as Digest;
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    await t.rejects(layout.manifests.get('arm64'), ManifestInvalidError);
    await t.rejects(layout.listTags(), ManifestInvalidError);
    await t.rejects(stat(outside), { code: 'ENOENT' }, 'nothing was written outside');
    t.same(await readdir(join(dir, 'blobs')), ['sha256']);
  },
);

t.test('content is verified on read', async (t) => {
  const dir = await fixtureCopy(t, BUSYBOX);
  const layout = await openLayout(dir);
  // A manifest whose bytes changed: by tag and by digest.
  const path = join(dir, 'blobs', 'sha256', hex(AMD64));
  const original = await readFile(path);
  await writeFile(path, Buffer.from(original.toString('utf8').replace('"size":', '"size": ')));
  await rejectsWith(t, layout.manifests.get('amd64'), 'integrity');
  await t.rejects(layout.manifests.get(AMD64), DigestMismatchError);
  await t.rejects(layout.manifests.head(AMD64), DigestMismatchError);

  // A layer of the right size with one byte flipped fails at the end of the stream.
  const layerPath = join(dir, 'blobs', 'sha256', hex(LAYER));
  const layer = await readFile(layerPath);
  layer[1000] = (layer[1000]! + 1) % 256;
  await writeFile(layerPath, layer);
  const body = await layout.blobs.get({ mediaType: OCI_LAYER, digest: LAYER, size: layer.length });
  await t.rejects(readStream(body), DigestMismatchError);
  // A size that differs from the descriptor fails before reading.
  await t.rejects(
    layout.blobs.get({ mediaType: OCI_LAYER, digest: LAYER, size: layer.length + 1 }),
    SizeMismatchError,
  );
  // index.json's size for a tag must match the file.
  const index = await indexJson(dir);
  index.manifests[1]!.size = 350;
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  await t.rejects(layout.manifests.get('arm64'), SizeMismatchError);
});

t.test('a half-written blob is never visible, and a failed upload leaves nothing', async (t) => {
  const dir = join(await tempDir(t), 'l');
  const layout = await openLayout(dir, { create: true });
  const content = Buffer.alloc(300_000, 7);
  const digest = sha256(content);
  const desc = { mediaType: OCI_LAYER, digest, size: content.length };
  const final = join(dir, 'blobs', 'sha256', hex(digest));

  // Half the bytes are in; the blob must not exist under its name yet.
  const body = new PassThrough();
  const upload = layout.blobs.upload(desc, body);
  body.write(content.subarray(0, 150_000));
  await until(async () => (await tempFiles(dir)).length > 0);
  t.equal(await layout.blobs.stat(digest), undefined, 'stat: absent while writing');
  await t.rejects(stat(final), { code: 'ENOENT' });
  t.equal((await tempFiles(dir)).length, 1, 'the bytes go to one temporary file in blobs/');
  body.end(content.subarray(150_000));
  await upload;
  t.same(await layout.blobs.stat(digest), { size: content.length }, 'visible once complete');
  t.same(await readFile(final), content);

  const noTemps = async (what: string) =>
    t.same(
      (await readdir(join(dir, 'blobs'))).filter((n) => n !== 'sha256'),
      [],
      `${what}: temporary file removed`,
    );
  const other = Buffer.alloc(200_000, 9);
  const otherDesc = { mediaType: OCI_LAYER, digest: sha256(other), size: other.length };
  const otherFinal = join(dir, 'blobs', 'sha256', hex(otherDesc.digest));

  // Wrong bytes (right size): digest mismatch, nothing under the name.
  const wrong = Buffer.from(other);
  wrong[5] = 0;
  await t.rejects(layout.blobs.upload(otherDesc, Readable.from([wrong])), DigestMismatchError);
  await t.rejects(stat(otherFinal), { code: 'ENOENT' });
  await noTemps('digest mismatch');

  // Too many and too few bytes.
  await t.rejects(
    layout.blobs.upload(otherDesc, Readable.from([other, Buffer.from('x')])),
    SizeMismatchError,
  );
  await noTemps('too long');
  await t.rejects(
    layout.blobs.upload(otherDesc, Readable.from([other.subarray(1)])),
    SizeMismatchError,
  );
  await noTemps('too short');
  await t.rejects(layout.blobs.upload(otherDesc, wrong), DigestMismatchError, 'in-memory body');

  // The source breaks half-way.
  const broken = new PassThrough();
  const failing = layout.blobs.upload(otherDesc, broken);
  broken.write(other.subarray(0, 100_000));
  setTimeout(
    () => broken.destroy(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' })),
    20,
  );
  await t.rejects(failing, { code: 'ECONNRESET' });
  await noTemps('source error');

  // Aborted half-way.
  const ac = new AbortController();
  const slow = new PassThrough();
  const aborted = layout.blobs.upload(otherDesc, slow, ac.signal);
  slow.write(other.subarray(0, 100_000));
  setTimeout(() => ac.abort(), 20);
  await t.rejects(aborted, { name: 'AbortError' });
  await noTemps('abort');
  await t.rejects(stat(otherFinal), { code: 'ENOENT' });
});

t.test(
  'put: by digest writes the blob; by tag also the index entry, replaced in place',
  async (t) => {
    const dir = join(await tempDir(t), 'l');
    const layout = await openLayout(dir, { create: true });
    const a = await smallImage(layout, 'a');
    const b = await smallImage(layout, 'b');

    t.same(await layout.manifests.put(a.digest, a.bytes, OCI_MANIFEST), {
      digest: a.digest,
      subjectIndexed: false,
    });
    t.same(await refNames(dir), [], 'by digest: no index entry');
    t.same((await layout.manifests.get(a.digest)).bytes, a.bytes);
    await t.rejects(
      layout.manifests.put(b.digest, a.bytes, OCI_MANIFEST),
      DigestMismatchError,
      'bytes must hash to the digest they are put under',
    );

    await layout.manifests.put('first', a.bytes, OCI_MANIFEST);
    await layout.manifests.put('second', a.bytes, OCI_MANIFEST);
    const before = await stat(join(dir, 'index.json'));
    await layout.manifests.put('first', a.bytes, OCI_MANIFEST);
    t.equal(
      (await stat(join(dir, 'index.json'))).mtimeMs,
      before.mtimeMs,
      'same tag, same digest: no write',
    );
    await layout.manifests.put('first', b.bytes, OCI_MANIFEST);
    t.same(await refNames(dir), ['first', 'second'], 'moved in place, order kept');
    t.equal((await layout.manifests.head('first'))?.digest, b.digest);
    t.equal((await layout.manifests.head('second'))?.digest, a.digest);

    // Unknown fields of index.json are kept.
    const doc = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    doc.annotations = { 'org.example.keep': 'yes' };
    doc.manifests[1].annotations['org.example.note'] = 'kept';
    await writeFile(join(dir, 'index.json'), JSON.stringify(doc));
    await layout.manifests.put('third', a.bytes, OCI_MANIFEST);
    const after = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    t.same(after.annotations, { 'org.example.keep': 'yes' });
    t.equal(after.manifests[1].annotations['org.example.note'], 'kept');

    // A manifest whose children are not in the layout is refused, as a registry does.
    const orphan = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_EMPTY, digest: sha256('{}'), size: 2 },
        layers: [{ mediaType: OCI_LAYER, digest: sha256('missing'), size: 7 }],
      }),
    );
    await t.rejects(layout.manifests.put('orphan', orphan, OCI_MANIFEST), NotFoundError);
    t.notOk((await layout.listTags()).includes('orphan'));
    // Not a manifest at all.
    await t.rejects(
      layout.manifests.put('junk', Buffer.from('not json'), OCI_MANIFEST),
      ManifestInvalidError,
    );
  },
);

t.test('concurrent index.json updates are all kept', async (t) => {
  const dir = join(await tempDir(t), 'l');
  const layout = await openLayout(dir, { create: true });
  const img = await smallImage(layout, 'c');
  const twin = await openLayout(dir, { create: true });
  const tags = Array.from({ length: 40 }, (_, i) => `t${i}`);
  await Promise.all(
    tags.map((tag, i) => (i % 2 ? twin : layout).manifests.put(tag, img.bytes, OCI_MANIFEST)),
  );
  t.same((await layout.listTags()).sort(), [...tags].sort(), 'every tag listed, from two stores');
  t.equal((await indexJson(dir)).manifests.length, 40);
  t.same(
    (await readdir(dir)).sort(),
    ['blobs', 'index.json', 'oci-layout'],
    'no temporary index files left',
  );

  // One tag written by many at once ends as one entry.
  await Promise.all(
    Array.from({ length: 10 }, () => layout.manifests.put('same', img.bytes, OCI_MANIFEST)),
  );
  t.equal((await refNames(dir)).filter((n) => n === 'same').length, 1);

  // Referrers added at once to one subject are all listed.
  const subject = img.digest;
  const referrers: Descriptor[] = Array.from({ length: 12 }, (_, i) => ({
    mediaType: OCI_MANIFEST,
    digest: sha256(`referrer ${i}`),
    size: 100 + i,
    artifactType: 'application/example',
  }));
  const added = await Promise.all(referrers.map((r) => layout.referrers.addToTagIndex(subject, r)));
  t.same(
    added,
    referrers.map(() => true),
  );
  t.same(
    (await layout.referrers.list(subject)).map((d) => d.digest).sort(),
    referrers.map((d) => d.digest).sort(),
  );
  t.equal(await layout.referrers.addToTagIndex(subject, referrers[3]!), false, 'listed once');
  t.ok((await layout.listTags()).includes(referrersTag(subject)));
  const fallback = await layout.manifests.get(referrersTag(subject));
  t.equal(fallback.descriptor.mediaType, OCI_INDEX);
});

t.test('layout → same layout: new tag, nothing copied', async (t) => {
  const dir = await fixtureCopy(t, BUSYBOX);
  const layout = await openLayout(dir);
  const blobsBefore = await readdir(join(dir, 'blobs', 'sha256'));
  const r = await copyStores({ store: layout, tag: 'amd64' }, { store: layout, tag: 'stable' });
  t.equal(r.digest, AMD64);
  t.same(r.manifests, { copied: 0, skipped: 1 });
  t.same(r.tag, { tag: 'stable', action: 'created', previousDigest: null });
  t.same(await readdir(join(dir, 'blobs', 'sha256')), blobsBefore);
  t.same(await layout.listTags(), ['amd64', 'arm64', 'multiarch', 'stable']);
});
