// OCI image layouts as copy source and destination (`oci-layout:PATH[:tag][@digest]`),
// against real registries, cross-checked with skopeo's `oci:` transport: what we write
// into a layout skopeo reads and pushes; what skopeo (or umoci) wrote we push; digests
// never change on the way (the air-gap round trip: registry → layout → registry).
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { copyStores, openLayout, parseReference } from '../../lib/index.js';
import type { RequestLogEntry } from '../helpers/registry.js';
import {
  ARTIFACTS_LAYOUT,
  BUSYBOX_LAYOUT,
  DOCKER_LIST,
  getManifest,
  headManifest,
  layoutRef,
  layoutRefs,
  listTags,
  OCI_INDEX,
  OCI_MANIFEST,
  pushDockerV2,
  pushLayout,
  readLayoutBlob,
  seedBusybox,
  seedWithReferrers,
  sha256,
  skopeoInspectRaw,
} from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const execFileAsync = promisify(execFile);
const REF_NAME = 'org.opencontainers.image.ref.name';

const { src, dst, client, cli, work } = await twoRegistries(t, 'layout');
const bb = await seedBusybox(src, 'staging/busybox');
const signed = await seedWithReferrers(src, 'staging/signed');
const v2list = await pushDockerV2(src, BUSYBOX_LAYOUT, 'multiarch', 'staging/docker', 'list');

const copyCli = (...args: string[]) => cli.run(['copy', '--plain-http', '--json', ...args]);
const isWrite = (e: RequestLogEntry) => e.method !== 'GET' && e.method !== 'HEAD';
let n = 0;
/** A fresh layout path under the work folder (not created). */
const freshLayout = (name: string) => join(work, `${name}-${++n}`);

/** `skopeo inspect --raw oci:DIR:REF`: the manifest bytes skopeo reads from a layout. */
async function skopeoLayoutRaw(dir: string, ref: string): Promise<Buffer> {
  try {
    const { stdout } = await execFileAsync('skopeo', ['inspect', '--raw', `oci:${dir}:${ref}`], {
      encoding: 'buffer',
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: Buffer };
    throw new Error(`skopeo inspect --raw oci:${dir}:${ref}: ${err.stderr?.toString().trim()}`);
  }
}

/** Every file of a directory with its inode and mtime: any rewrite changes one of them. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const s = await stat(path, { bigint: true });
    out[relative(dir, path)] = `${s.ino}:${s.mtimeNs}:${s.size}`;
  }
  return out;
}

const indexJson = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; mediaType: string; annotations?: Record<string, string> }>;
  };

t.test('layout → registry: digest unchanged, skopeo reads back the same bytes', async (t) => {
  const amd64 = await layoutRef(BUSYBOX_LAYOUT, 'amd64');
  const r = await copyCli(`oci-layout:${BUSYBOX_LAYOUT}:amd64`, `${dst.host}/from-layout/oci:1.0`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.equal(j.digest, amd64.digest);
  t.equal(j.source, `oci-layout:${BUSYBOX_LAYOUT}:amd64@${amd64.digest}`);
  t.equal(j.destination, `${dst.host}/from-layout/oci:1.0@${amd64.digest}`);
  t.same(j.manifests, { copied: 1, skipped: 0 });
  t.same(j.blobs, { copied: 2, mounted: 0, skipped: 0 });
  t.same(j.tag, { tag: '1.0', action: 'created', previousDigest: null });
  t.same(
    await skopeoInspectRaw(dst, 'from-layout/oci:1.0'),
    await readLayoutBlob(BUSYBOX_LAYOUT, amd64.digest),
    'the registry holds the layout bytes',
  );

  // The multi-arch index, by digest only, through the library.
  const index = await layoutRef(BUSYBOX_LAYOUT, 'multiarch');
  const layout = await openLayout(BUSYBOX_LAYOUT);
  const lib = await copyStores(
    { store: layout, tag: 'multiarch' },
    { store: client.repository(parseReference(`${dst.host}/from-layout/multi`)) },
  );
  t.equal(lib.digest, index.digest);
  t.same(lib.manifests, { copied: 3, skipped: 0 });
  t.notOk(lib.tag, 'by digest only: no tag');
  t.same(await listTags(dst, 'from-layout/multi'), []);
  for (const ref of ['multiarch', 'amd64', 'arm64']) {
    const d = (await layoutRef(BUSYBOX_LAYOUT, ref)).digest;
    t.same(
      await skopeoInspectRaw(dst, `from-layout/multi@${d}`),
      await readLayoutBlob(BUSYBOX_LAYOUT, d),
      `${ref} byte-identical at the registry`,
    );
  }
});

t.test('registry → layout: skopeo reads the layout and pushes it again', async (t) => {
  const dir = freshLayout('pulled');
  const r = await copyCli(`${src.host}/staging/busybox:multiarch`, `oci-layout:${dir}:stable`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.equal(j.digest, bb.index);
  t.equal(j.destination, `oci-layout:${dir}:stable@${bb.index}`);
  t.same(j.manifests, { copied: 3, skipped: 0 });
  t.same(j.blobs, { copied: 3, mounted: 0, skipped: 0 });

  const registryBytes = (await getManifest(src, 'staging/busybox', 'multiarch')).bytes;
  t.same(
    await skopeoLayoutRaw(dir, 'stable'),
    registryBytes,
    'skopeo inspect --raw oci: = registry',
  );
  t.equal(await readFile(join(dir, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
  t.same(
    (await indexJson(dir)).manifests.map((m) => [m.annotations?.[REF_NAME], m.digest, m.mediaType]),
    [['stable', bb.index, OCI_INDEX]],
  );

  // skopeo copies our layout to a registry: same digests.
  const pushed = await pushLayout(dst, dir, 'stable', 'via-skopeo/busybox', '1');
  t.equal(pushed, bb.index, 'skopeo copy oci:<layout>:stable docker://… keeps the digest');
  t.equal(await headManifest(dst, 'via-skopeo/busybox', bb.image), bb.image, 'children too');

  // An image by digest only: recorded in index.json without a ref name; skopeo reads it by
  // the layout alone (one manifest).
  const bare = freshLayout('bare');
  const byDigest = await copyCli(`${src.host}/staging/busybox@${bb.image}`, `oci-layout:${bare}`);
  t.equal(byDigest.code, 0, byDigest.stderr);
  t.same((await indexJson(bare)).manifests, [
    { mediaType: OCI_MANIFEST, digest: bb.image, size: 349 },
  ]);
  const { stdout } = await execFileAsync('skopeo', ['inspect', '--raw', `oci:${bare}`], {
    encoding: 'buffer',
  });
  t.equal(sha256(stdout), bb.image, 'skopeo finds the untagged image');
});

t.test('layout → layout: a skopeo-written layout, re-tagged and copied', async (t) => {
  // skopeo writes a layout from the registry; we copy it into a new one.
  const skopeoDir = freshLayout('skopeo-written');
  await execFileAsync('skopeo', [
    'copy',
    '--quiet',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    `docker://${src.host}/staging/busybox:multiarch`,
    `oci:${skopeoDir}:multi`,
  ]);
  const out = freshLayout('copied');
  const r = await copyCli(`oci-layout:${skopeoDir}:multi`, `oci-layout:${out}:v1`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, bb.index);
  t.same(await skopeoLayoutRaw(out, 'v1'), await skopeoLayoutRaw(skopeoDir, 'multi'));

  // Within one layout: only the tag is added.
  const before = await snapshot(out);
  const retag = await copyCli(`oci-layout:${out}:v1`, `oci-layout:${out}:v2`);
  t.equal(retag.code, 0, retag.stderr);
  t.same(retag.json().manifests, { copied: 0, skipped: 1 });
  const after = await snapshot(out);
  t.not(after['index.json'], before['index.json'], 'index.json rewritten (new tag)');
  delete before['index.json'];
  delete after['index.json'];
  t.same(after, before, 'no blob touched');
  t.same(
    (await indexJson(out)).manifests.map((m) => m.annotations?.[REF_NAME]),
    ['v1', 'v2'],
  );
});

t.test('--platform: a filtered index into a layout, and out of one', async (t) => {
  const dir = freshLayout('arm64-only');
  const r = await copyCli(
    '--platform',
    'linux/arm64',
    `oci-layout:${BUSYBOX_LAYOUT}:multiarch`,
    `oci-layout:${dir}:arm`,
  );
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.equal(j.filteredFrom, bb.index);
  t.not(j.digest, bb.index, 'a new index digest');
  const raw = await skopeoLayoutRaw(dir, 'arm');
  t.equal(sha256(raw), j.digest, 'skopeo reads the filtered index');
  const doc = JSON.parse(raw.toString('utf8'));
  t.same(
    doc.manifests.map((m: { digest: string }) => m.digest),
    [bb.arm64],
  );
  const blobs = await readdir(join(dir, 'blobs', 'sha256'));
  t.notOk(blobs.includes(bb.image.slice(7)), 'the amd64 manifest is not in the layout');
  t.ok(blobs.includes(bb.arm64.slice(7)), 'the arm64 manifest is');

  // And from the filtered layout to a registry, unchanged.
  const up = await copyCli(`oci-layout:${dir}:arm`, `${dst.host}/platform/busybox:arm`);
  t.equal(up.code, 0, up.stderr);
  t.equal(up.json().digest, j.digest);
  t.same(await skopeoInspectRaw(dst, 'platform/busybox:arm'), raw);

  // Filtering straight out of a layout into a registry.
  const direct = await copyCli(
    '--platform',
    'linux/amd64',
    `oci-layout:${BUSYBOX_LAYOUT}:multiarch`,
    `${dst.host}/platform/busybox:amd`,
  );
  t.equal(direct.code, 0, direct.stderr);
  t.equal(direct.json().filteredFrom, bb.index);
});

t.test('Docker manifest list → layout → registry: digests and media types kept', async (t) => {
  const dir = freshLayout('docker');
  const r = await copyCli(`${src.host}/staging/docker:list`, `oci-layout:${dir}:list`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, v2list);
  t.equal(r.json().mediaType, DOCKER_LIST);
  t.equal((await indexJson(dir)).manifests[0]?.mediaType, DOCKER_LIST);
  const back = await copyCli(`oci-layout:${dir}:list`, `${dst.host}/docker/busybox:list`);
  t.equal(back.code, 0, back.stderr);
  const fetched = await getManifest(dst, 'docker/busybox', 'list');
  t.equal(fetched.digest, v2list);
  t.equal(fetched.mediaType, DOCKER_LIST);
});

t.test('--referrers: SBOM and .sig into a layout, and out of one', async (t) => {
  const s = signed;
  const dir = freshLayout('signed');
  const r = await copyCli(
    '--referrers',
    `${src.host}/staging/signed:amd64`,
    `oci-layout:${dir}:1.0`,
  );
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.same(
    j.referrers.map((x: { digest: string; action: string }) => [x.digest, x.action]).sort(),
    [
      [s.sbom, 'copied'],
      [s.sig, 'copied'],
    ].sort(),
  );
  const tags = (await indexJson(dir)).manifests.map((m) => m.annotations?.[REF_NAME]);
  t.same([...tags].sort(), ['1.0', s.fallbackTag, s.sigTag].sort(), 'tag-schema index and .sig');
  const fallback = JSON.parse((await skopeoLayoutRaw(dir, s.fallbackTag)).toString('utf8'));
  t.match(fallback.manifests, [{ digest: s.sbom, artifactType: 'application/spdx+json' }]);
  t.equal(sha256(await skopeoLayoutRaw(dir, s.sigTag)), s.sig, '.sig bytes unchanged');

  // Re-copy: a no-op, not one file rewritten.
  const before = await snapshot(dir);
  const again = await copyCli(
    '--referrers',
    `${src.host}/staging/signed:amd64`,
    `oci-layout:${dir}:1.0`,
  );
  t.equal(again.code, 0, again.stderr);
  t.same(
    again.json().referrers.map((x: { action: string }) => x.action),
    ['skipped', 'skipped'],
  );
  t.same(await snapshot(dir), before, 'no file written by the re-copy');

  // From the layout into another registry: both referrers arrive.
  await dst.resetRequests();
  const out = await copyCli(
    '--referrers',
    `oci-layout:${dir}:1.0`,
    `${dst.host}/signed/busybox:1.0`,
  );
  t.equal(out.code, 0, out.stderr);
  t.equal(out.json().digest, s.subject);
  t.same((await listTags(dst, 'signed/busybox')).sort(), ['1.0', s.fallbackTag, s.sigTag].sort());
  t.equal(await headManifest(dst, 'signed/busybox', s.sbom), s.sbom, 'SBOM present');
  t.equal(await headManifest(dst, 'signed/busybox', s.sigTag), s.sig, '.sig tag carried');
});

t.test('--referrers from the committed fixtures (busybox + artifacts in one layout)', async (t) => {
  // The artifacts fixture holds the SBOM, fallback index and .sig of busybox amd64; put
  // both fixtures in one layout, as an air-gapped bundle would carry them.
  const dir = freshLayout('bundle');
  await cp(BUSYBOX_LAYOUT, dir, { recursive: true });
  await cp(join(ARTIFACTS_LAYOUT, 'blobs'), join(dir, 'blobs'), { recursive: true });
  const a = await indexJson(ARTIFACTS_LAYOUT);
  const b = await indexJson(dir);
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ ...b, manifests: [...b.manifests, ...a.manifests] }),
  );
  const refs = await layoutRefs(ARTIFACTS_LAYOUT);
  const amd64 = await layoutRef(BUSYBOX_LAYOUT, 'amd64');
  const fallbackTag = `sha256-${amd64.digest.slice(7)}`;

  const r = await copyCli('--referrers', `oci-layout:${dir}:amd64`, `${dst.host}/bundle/busybox:1`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.same(
    j.referrers.map((x: { digest: string; tag?: string }) => [x.digest, x.tag ?? null]).sort(),
    [
      [refs.sbom!.digest, null],
      [refs[`${fallbackTag}.sig`]!.digest, `${fallbackTag}.sig`],
    ].sort(),
  );
  t.same(
    await skopeoInspectRaw(dst, `bundle/busybox@${refs.sbom!.digest}`),
    await readLayoutBlob(ARTIFACTS_LAYOUT, refs.sbom!.digest),
    'SBOM bytes identical',
  );
  t.equal(
    await headManifest(dst, 'bundle/busybox', `${fallbackTag}.sig`),
    refs[`${fallbackTag}.sig`]!.digest,
  );
});

t.test('re-copy into a layout is a no-op: no file rewritten, nothing copied', async (t) => {
  const dir = freshLayout('again');
  const first = await copyCli(`${src.host}/staging/busybox:multiarch`, `oci-layout:${dir}:1`);
  t.equal(first.code, 0, first.stderr);
  const before = await snapshot(dir);
  t.ok(Object.keys(before).length >= 7, 'oci-layout, index.json and six blobs');

  await src.resetRequests();
  const again = await copyCli(`${src.host}/staging/busybox:multiarch`, `oci-layout:${dir}:1`);
  t.equal(again.code, 0, again.stderr);
  const j = again.json();
  t.same(j.manifests, { copied: 0, skipped: 1 });
  t.same(j.blobs, { copied: 0, mounted: 0, skipped: 0 });
  t.equal(j.bytesCopied, 0);
  t.same(j.tag, { tag: '1', action: 'unchanged', previousDigest: bb.index });
  t.same(await snapshot(dir), before, 'every file as it was (inode, mtime, size)');
  t.same(
    (await src.settledRequests()).map((e) => e.method),
    ['GET'],
    'the source is read once (the root manifest)',
  );

  // Layout → registry again: nothing written at the registry either.
  const up = await copyCli(`oci-layout:${dir}:1`, `${dst.host}/again/busybox:1`);
  t.equal(up.code, 0, up.stderr);
  await dst.resetRequests();
  const upAgain = await copyCli(`oci-layout:${dir}:1`, `${dst.host}/again/busybox:1`);
  t.equal(upAgain.code, 0, upAgain.stderr);
  t.same((await dst.settledRequests()).filter(isWrite), [], 'no write at the registry');
});

t.test('air gap: registry → layout on one side, layout → registry on the other', async (t) => {
  // Connected side.
  const usb = freshLayout('usb');
  const out = await copyCli(
    '--referrers',
    `${src.host}/staging/signed:amd64`,
    `oci-layout:${usb}:1.2.3`,
  );
  t.equal(out.code, 0, out.stderr);
  const multi = await copyCli(`${src.host}/staging/busybox:multiarch`, `oci-layout:${usb}:multi`);
  t.equal(multi.code, 0, multi.stderr);
  // Air-gapped side.
  const inn = await copyCli(
    '--referrers',
    `oci-layout:${usb}:1.2.3`,
    `${dst.host}/airgap/app:1.2.3`,
  );
  t.equal(inn.code, 0, inn.stderr);
  const innMulti = await copyCli(`oci-layout:${usb}:multi`, `${dst.host}/airgap/app:multi`);
  t.equal(innMulti.code, 0, innMulti.stderr);

  t.equal(out.json().digest, inn.json().digest);
  t.equal(inn.json().digest, signed.subject, 'the digest the source registry had');
  t.same(
    await skopeoInspectRaw(dst, 'airgap/app:multi'),
    (await getManifest(src, 'staging/busybox', 'multiarch')).bytes,
    'index bytes identical on both sides',
  );
  t.equal(await headManifest(dst, 'airgap/app', signed.sbom), signed.sbom, 'SBOM carried over');
});

t.test('--dry-run into a new layout creates nothing', async (t) => {
  const dir = freshLayout('dry');
  const r = await copyCli(
    '--dry-run',
    `${src.host}/staging/busybox:multiarch`,
    `oci-layout:${dir}:1`,
  );
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().dryRun, true);
  t.same(r.json().manifests, { copied: 3, skipped: 0 });
  await t.rejects(stat(dir), { code: 'ENOENT' });
});

t.test('bad locations exit 2 before any request; a missing source layout exits 1', async (t) => {
  const notLayout = join(work, 'not-a-layout');
  await mkdir(notLayout, { recursive: true });
  await writeFile(join(notLayout, 'notes.txt'), 'hello');
  const good = `${src.host}/staging/busybox:amd64`;
  const cases: Array<[string, string[], string]> = [
    ['empty path', [good, 'oci-layout:'], 'ERR_INVALID_REFERENCE'],
    ['bad tag', [good, `oci-layout:${work}/x:bad tag`], 'ERR_INVALID_REFERENCE'],
    [
      'tag starting with "."',
      [`oci-layout:${BUSYBOX_LAYOUT}:.amd64`, good],
      'ERR_INVALID_REFERENCE',
    ],
    ['short digest', [`oci-layout:${BUSYBOX_LAYOUT}@sha256:abc`, good], 'ERR_INVALID_REFERENCE'],
    [
      'unknown algorithm',
      [`oci-layout:${BUSYBOX_LAYOUT}@md5:${'a'.repeat(32)}`, good],
      'ERR_INVALID_REFERENCE',
    ],
    ['not a layout (destination)', [good, `oci-layout:${notLayout}:1`], 'ERR_USAGE'],
    ['not a layout (source)', [`oci-layout:${notLayout}:1`, `${dst.host}/x/y:1`], 'ERR_USAGE'],
    ['a file', [`oci-layout:${join(notLayout, 'notes.txt')}:1`, `${dst.host}/x/y:1`], 'ERR_USAGE'],
    ['several images, no tag', [`oci-layout:${BUSYBOX_LAYOUT}`, `${dst.host}/x/y:1`], 'ERR_USAGE'],
    [
      'bad registry reference',
      [`oci-layout:${BUSYBOX_LAYOUT}:amd64`, `${dst.host}/Bad/y:1`],
      'ERR_INVALID_REFERENCE',
    ],
  ];
  await Promise.all([src.resetRequests(), dst.resetRequests()]);
  for (const [why, args, code] of cases) {
    const r = await copyCli(...args);
    t.equal(r.code, 2, `${why}: exit 2 (${r.stderr.trim()})`);
    t.equal(r.json().error.code, code, why);
    t.equal(r.stderr.trim().split('\n').length, 1, `${why}: one line on stderr`);
  }
  t.same(await src.settledRequests(), [], 'no request to the source registry');
  t.same(await dst.settledRequests(), [], 'no request to the destination registry');
  t.same(await readdir(notLayout), ['notes.txt'], 'the non-layout folder is untouched');

  const missing = await copyCli(`oci-layout:${join(work, 'nowhere')}:1`, `${dst.host}/x/y:1`);
  t.equal(missing.code, 1, missing.stderr);
  t.equal(missing.json().error.code, 'ERR_NOT_FOUND');
  const noTag = await copyCli(`oci-layout:${BUSYBOX_LAYOUT}:nope`, `${dst.host}/x/y:1`);
  t.equal(noTag.code, 1, noTag.stderr);
  t.equal(noTag.json().error.code, 'ERR_NOT_FOUND');
});

t.test('a corrupted layout blob is refused (exit 4), nothing tagged', async (t) => {
  const dir = freshLayout('corrupt');
  await cp(BUSYBOX_LAYOUT, dir, { recursive: true });
  const layer = join(
    dir,
    'blobs',
    'sha256',
    '272b0a91b9fcb32393b776bf4ab0cb2ce614aea640a875716c2b0045f364d1cd',
  );
  const bytes = await readFile(layer);
  bytes[bytes.length - 10] = (bytes[bytes.length - 10]! + 1) % 256;
  await writeFile(layer, bytes);
  const r = await copyCli(`oci-layout:${dir}:amd64`, `${dst.host}/corrupt/busybox:1`);
  t.equal(r.code, 4, r.stderr);
  t.equal(r.json().error.code, 'ERR_DIGEST_MISMATCH');
  t.same(await listTags(dst, 'corrupt/busybox'), [], 'nothing tagged');
  t.notOk(
    await headManifest(dst, 'corrupt/busybox', bb.image),
    'the manifest was not pushed either',
  );
});
