import { join } from 'node:path';
import t from 'tap';
import { type CopyEvent, copy, parseReference } from '../../lib/index.js';
import { writeRandomImage } from '../helpers/random.js';
import {
  blobUploadRequests,
  type Registry,
  type RequestLogEntry,
  summarizeRequests,
} from '../helpers/registry.js';
import {
  BUSYBOX_LAYOUT,
  blobExists,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  getManifest,
  headManifest,
  layoutRef,
  listTags,
  OCI_INDEX,
  OCI_MANIFEST,
  pushDockerV2,
  pushLayout,
  readLayoutBlob,
  seedBusybox,
  seedWithReferrers,
  sha256,
  skopeoDigest,
  skopeoInspectRaw,
} from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client, cli, work } = await twoRegistries(t, 'copy');

// Seeded once with skopeo / raw HTTP (never with lib/); every subtest copies to its own
// destination repository, so assertions do not depend on each other.
const bb = await seedBusybox(src, 'staging/busybox');
const v2 = await pushDockerV2(src, BUSYBOX_LAYOUT, 'amd64', 'staging/docker', 'v2s2');
const v2list = await pushDockerV2(src, BUSYBOX_LAYOUT, 'multiarch', 'staging/docker', 'list');
const signed = await seedWithReferrers(src, 'staging/signed');

const ref = (reg: Registry, s: string) => parseReference(`${reg.host}/${s}`);
const copyCli = (...args: string[]) => cli.run(['copy', '--plain-http', '--json', ...args]);
const isWrite = (e: RequestLogEntry) => e.method !== 'GET' && e.method !== 'HEAD';
const sourceJson = async (digest: string) =>
  JSON.parse((await readLayoutBlob(BUSYBOX_LAYOUT, digest)).toString('utf8'));
const resetBoth = () => Promise.all([src.resetRequests(), dst.resetRequests()]);

t.test('OCI image (library): digest unchanged, bytes identical, tag written last', async (t) => {
  await resetBoth();
  const amd64 = await layoutRef(BUSYBOX_LAYOUT, 'amd64');
  const doc = await sourceJson(amd64.digest);
  const r = await copy(client, ref(src, 'staging/busybox:amd64'), ref(dst, 'prod/oci:1.0'));
  t.equal(r.digest, amd64.digest, 'digest is the source digest');
  t.equal(r.digest, bb.image);
  t.same(r, {
    source: `${src.host}/staging/busybox:amd64@${bb.image}`,
    destination: `${dst.host}/prod/oci:1.0@${bb.image}`,
    digest: bb.image,
    mediaType: OCI_MANIFEST,
    size: amd64.size,
    manifests: { copied: 1, skipped: 0 },
    blobs: { copied: 2, mounted: 0, skipped: 0 },
    bytesCopied: doc.config.size + doc.layers[0].size,
    referrers: [],
    tag: { tag: '1.0', action: 'created', previousDigest: null },
    dryRun: false,
  });

  // A peer reads the same bytes back.
  t.equal(await skopeoDigest(dst, 'prod/oci:1.0'), bb.image, 'skopeo sees the source digest');
  t.same(
    await skopeoInspectRaw(dst, `prod/oci@${bb.image}`),
    await readLayoutBlob(BUSYBOX_LAYOUT, bb.image),
    'manifest bytes identical',
  );

  // Order at the destination: blobs, then the manifest by digest, then the tag — last.
  const log = await dst.settledRequests();
  const writes = log.filter(isWrite);
  t.same(
    writes.filter((e) => e.kind === 'manifest').map((e) => e.ref),
    [bb.image, '1.0'],
    'one manifest PUT by digest, then one by tag',
  );
  t.match(writes.at(-1), { method: 'PUT', kind: 'manifest', ref: '1.0', status: 201 });
  t.equal(blobUploadRequests(log).length, 4, 'two blobs: POST + PUT each');
  const srcLog = await src.settledRequests();
  t.same(summarizeRequests(srcLog), {
    'GET manifest 200': 1,
    'GET blob 200': 2,
  });

  // Same tag again: unchanged; another image onto it: moved, with the previous digest.
  const again = await copy(client, ref(src, 'staging/busybox:amd64'), ref(dst, 'prod/oci:1.0'));
  t.same(again.tag, { tag: '1.0', action: 'unchanged', previousDigest: bb.image });
  t.same(again.manifests, { copied: 0, skipped: 1 });
  const moved = await copy(client, ref(src, 'staging/busybox:arm64'), ref(dst, 'prod/oci:1.0'));
  t.same(moved.tag, { tag: '1.0', action: 'moved', previousDigest: bb.image });
  t.same(moved.blobs, { copied: 1, mounted: 0, skipped: 1 }, 'shared layer skipped by HEAD');
  t.equal(await headManifest(dst, 'prod/oci', '1.0'), bb.arm64);
});

t.test('Docker v2 schema 2 image (library): media type and digest kept', async (t) => {
  const r = await copy(client, ref(src, 'staging/docker:v2s2'), ref(dst, 'prod/docker:v2s2'));
  t.equal(r.digest, v2);
  t.equal(r.mediaType, DOCKER_MANIFEST);
  t.same(r.manifests, { copied: 1, skipped: 0 });
  t.same(r.blobs, { copied: 2, mounted: 0, skipped: 0 });
  const got = await getManifest(dst, 'prod/docker', 'v2s2');
  t.equal(got.mediaType, DOCKER_MANIFEST, 'stored with the Docker media type');
  t.same(got.bytes, (await getManifest(src, 'staging/docker', 'v2s2')).bytes, 'bytes identical');
  t.equal(await skopeoDigest(dst, 'prod/docker:v2s2'), v2);
});

t.test('Docker manifest list (CLI): 3 manifests, shared layer copied once', async (t) => {
  await resetBoth();
  const r = await copyCli(`${src.host}/staging/docker:list`, `${dst.host}/prod/dockerlist:list`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.equal(j.digest, v2list);
  t.equal(j.mediaType, DOCKER_LIST);
  t.same(j.manifests, { copied: 3, skipped: 0 });
  t.same(j.blobs, { copied: 3, mounted: 0, skipped: 0 }, 'two configs and one shared layer');
  t.equal(await skopeoDigest(dst, 'prod/dockerlist:list'), v2list);
  const srcLog = await src.settledRequests();
  t.equal(srcLog.filter((e) => e.kind === 'blob' && e.method === 'GET').length, 3);
});

t.test('OCI index (CLI): children before parent, every blob once, tag last', async (t) => {
  await resetBoth();
  const r = await copyCli(`${src.host}/staging/busybox:multiarch`, `${dst.host}/prod/multi:1.0`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  const amd = await sourceJson(bb.image);
  const arm = await sourceJson(bb.arm64);
  t.same(j, {
    source: `${src.host}/staging/busybox:multiarch@${bb.index}`,
    destination: `${dst.host}/prod/multi:1.0@${bb.index}`,
    digest: bb.index,
    mediaType: OCI_INDEX,
    size: (await layoutRef(BUSYBOX_LAYOUT, 'multiarch')).size,
    manifests: { copied: 3, skipped: 0 },
    blobs: { copied: 3, mounted: 0, skipped: 0 },
    bytesCopied: amd.config.size + arm.config.size + amd.layers[0].size,
    referrers: [],
    tag: { tag: '1.0', action: 'created', previousDigest: null },
    dryRun: false,
  });
  t.equal(await skopeoDigest(dst, 'prod/multi:1.0'), bb.index);

  const log = await dst.settledRequests();
  const uploads = log.filter((e) => e.kind === 'blob-upload' && e.method === 'PUT');
  t.equal(uploads.length, 3, 'three blob uploads');
  t.equal(
    uploads.filter((e) => e.query.includes(amd.layers[0].digest.slice(7))).length,
    1,
    'the layer shared by both children is uploaded once',
  );
  const manifestPuts = log.filter((e) => e.kind === 'manifest' && e.method === 'PUT');
  t.same(
    manifestPuts.map((e) => e.ref).slice(2),
    [bb.index, '1.0'],
    'index after its children, then the tag',
  );
  t.same(
    manifestPuts
      .map((e) => e.ref)
      .slice(0, 2)
      .sort(),
    [bb.image, bb.arm64].sort(),
  );
  t.match(log.filter(isWrite).at(-1), { method: 'PUT', kind: 'manifest', ref: '1.0' });
});

t.test('artifacts: SBOM with subject and cosign signature, by digest and tag', async (t) => {
  const r = await copyCli(`${src.host}/staging/signed@${signed.sbom}`, `${dst.host}/prod/sbom:v1`);
  t.equal(r.code, 0, r.stderr);
  t.match(r.json(), {
    digest: signed.sbom,
    mediaType: OCI_MANIFEST,
    manifests: { copied: 1, skipped: 0 },
    blobs: { copied: 2, mounted: 0, skipped: 0 },
    tag: { tag: 'v1', action: 'created' },
  });
  t.equal(await skopeoDigest(dst, 'prod/sbom:v1'), signed.sbom);
  const inspected = await cli.run([
    'inspect',
    '--plain-http',
    '--json',
    `${dst.host}/prod/sbom:v1`,
  ]);
  t.equal(inspected.code, 0, inspected.stderr);
  t.equal(inspected.json().artifactType, 'application/spdx+json');

  const sig = await copyCli(`${src.host}/staging/signed:${signed.sigTag}`, `${dst.host}/prod/sig`);
  t.equal(sig.code, 0, sig.stderr);
  t.equal(sig.json().digest, signed.sig);
  t.same(
    await skopeoInspectRaw(dst, `prod/sig@${signed.sig}`),
    (await getManifest(src, 'staging/signed', signed.sig)).bytes,
  );
});

t.test('destination without tag: by digest only, no tag appears', async (t) => {
  await dst.resetRequests();
  const r = await copyCli(`${src.host}/staging/busybox:arm64`, `${dst.host}/prod/bydigest`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.equal(j.destination, `${dst.host}/prod/bydigest@${bb.arm64}`);
  t.notOk('tag' in j, 'no tag in the result');
  t.same(await listTags(dst, 'prod/bydigest'), [], 'tag list is empty');
  t.equal(await headManifest(dst, 'prod/bydigest', bb.arm64), bb.arm64, 'present by digest');
  const log = await dst.settledRequests();
  t.same(
    log.filter((e) => e.kind === 'manifest' && isWrite(e)).map((e) => e.ref),
    [bb.arm64],
    'the only manifest write is by digest',
  );
});

t.test('destination with digest: must equal the digest copied', async (t) => {
  const ok = await copyCli(
    `${src.host}/staging/busybox:amd64`,
    `${dst.host}/prod/pinned@${bb.image}`,
  );
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.json().digest, bb.image);
  t.same(await listTags(dst, 'prod/pinned'), []);

  await resetBoth();
  const bad = await copyCli(
    `${src.host}/staging/busybox:amd64`,
    `${dst.host}/prod/pinned2@${bb.arm64}`,
  );
  t.equal(bad.code, 2, 'usage error');
  const e = bad.json();
  t.same(Object.keys(e), ['error']);
  t.equal(e.error.code, 'ERR_USAGE');
  t.match(e.error.message, bb.arm64);
  t.match(e.error.message, bb.image);
  t.same(await dst.settledRequests(), [], 'nothing was sent to the destination');
  t.same(summarizeRequests(await src.settledRequests()), { 'GET manifest 200': 1 });
});

t.test('--dry-run: plans, reads only, writes nothing', async (t) => {
  await resetBoth();
  const r = await copyCli(
    '--dry-run',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/dry:1.0`,
  );
  t.equal(r.code, 0, r.stderr);
  const amd = await sourceJson(bb.image);
  const arm = await sourceJson(bb.arm64);
  t.match(r.json(), {
    digest: bb.index,
    dryRun: true,
    manifests: { copied: 3, skipped: 0 },
    blobs: { copied: 3, mounted: 0, skipped: 0 },
    bytesCopied: amd.config.size + arm.config.size + amd.layers[0].size,
    tag: { tag: '1.0', action: 'created', previousDigest: null },
  });
  const log = await dst.settledRequests();
  t.ok(log.length > 0, 'the destination was checked');
  t.same(log.filter(isWrite), [], 'only GET/HEAD at the destination');
  t.same(await listTags(dst, 'prod/dry'), []);
  t.equal(await headManifest(dst, 'prod/dry', bb.index), undefined);
  const srcLog = await src.settledRequests();
  t.same(
    srcLog.filter((e) => e.kind === 'blob'),
    [],
    'no blob bytes read from the source in a dry run',
  );

  const text = await cli.run([
    'copy',
    '--plain-http',
    '--dry-run',
    `${src.host}/staging/busybox:amd64`,
    `${dst.host}/prod/dry:1.0`,
  ]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /^Would copy /);
  t.same(await listTags(dst, 'prod/dry'), []);
});

t.test('--platform linux/arm64: filtered index, only the arm64 child copied', async (t) => {
  await dst.resetRequests();
  const r = await copyCli(
    '--platform',
    'linux/arm64',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/arm:1.0`,
  );
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.equal(j.filteredFrom, bb.index, 'filteredFrom is the source index');
  t.not(j.digest, bb.index, 'the filtered index has a new digest');
  t.same(j.manifests, { copied: 2, skipped: 0 }, 'filtered index + arm64 child');
  t.same(j.blobs, { copied: 2, mounted: 0, skipped: 0 });
  t.match(j.destination, `@${j.digest}`);

  const got = await getManifest(dst, 'prod/arm', '1.0');
  t.equal(sha256(got.bytes), j.digest, 'the tag points at the filtered index');
  const filtered = JSON.parse(got.bytes.toString('utf8'));
  const original = await sourceJson(bb.index);
  t.same(
    filtered.manifests.map((m: { digest: string }) => m.digest),
    [bb.arm64],
  );
  t.same(filtered.manifests[0], original.manifests[1], 'the entry is kept as it was');
  const { manifests: _a, ...restFiltered } = filtered;
  const { manifests: _b, ...restOriginal } = original;
  t.same(restFiltered, restOriginal, 'every other field of the index kept');
  t.equal(await headManifest(dst, 'prod/arm', bb.image), undefined, 'amd64 child not copied');
  t.equal(await headManifest(dst, 'prod/arm', bb.arm64), bb.arm64);
  const amd = await sourceJson(bb.image);
  t.notOk(await blobExists(dst, 'prod/arm', amd.config.digest), 'amd64 config not copied');

  // Every platform selected: the index is copied unchanged, no filteredFrom.
  const all = await copyCli(
    '--platform',
    'linux/arm64',
    '--platform',
    'linux/amd64',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/arm-all`,
  );
  t.equal(all.code, 0, all.stderr);
  t.equal(all.json().digest, bb.index);
  t.notOk('filteredFrom' in all.json());

  // A destination digest must equal the filtered digest: the right one works, another
  // is refused before anything is written.
  const pinned = await copyCli(
    '--platform',
    'linux/arm64',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/arm-pinned@${j.digest}`,
  );
  t.equal(pinned.code, 0, pinned.stderr);
  t.equal(pinned.json().digest, j.digest);
  await dst.resetRequests();
  const wrong = await copyCli(
    '--platform',
    'linux/arm64',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/arm-wrong@${bb.index}`,
  );
  t.equal(wrong.code, 2, 'a destination digest other than the filtered one: usage error');
  t.equal(wrong.json().error.code, 'ERR_USAGE');
  t.match(wrong.json().error.message, j.digest);
  t.same(await dst.settledRequests(), [], 'refused before any request to the destination');

  const none = await copyCli(
    '--platform',
    'linux/s390x',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/arm-none`,
  );
  t.equal(none.code, 2, 'no matching platform is a usage error');
  t.equal(none.json().error.code, 'ERR_USAGE');
});

t.test('--platform on a single image: exit 2, nothing written', async (t) => {
  await dst.resetRequests();
  const r = await copyCli(
    '--platform',
    'linux/amd64',
    `${src.host}/staging/busybox:amd64`,
    `${dst.host}/prod/single:1.0`,
  );
  t.equal(r.code, 2);
  t.equal(r.json().error.code, 'ERR_USAGE');
  t.match(r.stderr, /single image/);
  t.same(await dst.settledRequests(), [], 'no request reached the destination');

  const malformed = await copyCli(
    '--platform',
    'linux',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/single`,
  );
  t.equal(malformed.code, 2);
  t.equal(malformed.json().error.code, 'ERR_USAGE');
});

t.test('--jobs: out of bounds is a usage error; the limit holds', async (t) => {
  await resetBoth();
  for (const jobs of ['0', '65', '1.5', 'many']) {
    const r = await copyCli(
      `--jobs=${jobs}`,
      `${src.host}/staging/busybox:amd64`,
      `${dst.host}/prod/jobs`,
    );
    t.equal(r.code, 2, `--jobs ${jobs}`);
    t.equal(r.json().error.code, 'ERR_USAGE');
    t.match(r.json().error.message, /--jobs must be a whole number from 1 to 64/);
  }
  t.same(await src.settledRequests(), [], 'no request for a bad --jobs');
  t.same(await dst.settledRequests(), []);

  const img = await writeRandomImage(join(work, 'jobs'), {
    seed: 'copy-jobs',
    layers: 6,
    layerSize: 256 * 1024,
    tag: 'v1',
  });
  await pushLayout(src, img.dir, 'v1', 'staging/jobs');
  const peak = async (jobs: number, to: string) => {
    let active = 0;
    let max = 0;
    const onEvent = (e: CopyEvent) => {
      if (e.type === 'blob-start') max = Math.max(max, ++active);
      else if (e.type === 'blob' && e.action === 'copied') active--;
    };
    const r = await copy(client, ref(src, 'staging/jobs:v1'), ref(dst, to), { jobs, onEvent });
    t.same(r.blobs, { copied: 7, mounted: 0, skipped: 0 });
    return max;
  };
  t.equal(await peak(1, 'prod/jobs1'), 1, '--jobs 1: one transfer at a time');
  const four = await peak(4, 'prod/jobs4');
  t.ok(four <= 4, `--jobs 4: at most 4 at once (saw ${four})`);
  t.ok(four >= 2, `--jobs 4: transfers do overlap (saw ${four})`);
  t.comment(`peak concurrent blob transfers: --jobs 1 → 1, --jobs 4 → ${four}`);
});

t.test(
  '--referrers: SBOM (tag-schema fallback) and cosign .sig carried; re-copy skips',
  async (t) => {
    const s = signed;
    const r = await copyCli(
      '--referrers',
      `${src.host}/staging/signed:amd64`,
      `${dst.host}/prod/signed:1.0`,
    );
    t.equal(r.code, 0, r.stderr);
    const j = r.json();
    t.equal(j.digest, s.subject);
    const byDigest = (a: { digest: string }, b: { digest: string }) =>
      a.digest.localeCompare(b.digest);
    t.same(
      [...j.referrers].sort(byDigest),
      [
        {
          digest: s.sbom,
          subject: s.subject,
          artifactType: 'application/spdx+json',
          action: 'copied',
        },
        { digest: s.sig, subject: s.subject, tag: s.sigTag, action: 'copied' },
      ].sort(byDigest),
    );

    // The registry (distribution 2.8) has no referrers API: the fallback index lists the SBOM.
    const fallback = await getManifest(dst, 'prod/signed', s.fallbackTag);
    t.equal(fallback.status, 200, 'fallback index written at the destination');
    t.equal(fallback.mediaType, OCI_INDEX);
    t.match(JSON.parse(fallback.bytes.toString('utf8')).manifests, [
      { digest: s.sbom, artifactType: 'application/spdx+json', mediaType: OCI_MANIFEST },
    ]);
    t.equal(await headManifest(dst, 'prod/signed', s.sigTag), s.sig, 'cosign .sig tag carried');
    t.same(
      await skopeoInspectRaw(dst, `prod/signed@${s.sbom}`),
      (await getManifest(src, 'staging/signed', s.sbom)).bytes,
      'SBOM bytes identical',
    );
    t.same((await listTags(dst, 'prod/signed')).sort(), ['1.0', s.fallbackTag, s.sigTag].sort());

    await dst.resetRequests();
    const again = await copyCli(
      '--referrers',
      `${src.host}/staging/signed:amd64`,
      `${dst.host}/prod/signed:1.0`,
    );
    t.equal(again.code, 0, again.stderr);
    const j2 = again.json();
    t.same(
      j2.referrers.map((x: { action: string }) => x.action),
      ['skipped', 'skipped'],
      'both referrers skipped',
    );
    t.same(j2.manifests.copied, 0);
    t.same(j2.tag, { tag: '1.0', action: 'unchanged', previousDigest: s.subject });
    t.same((await dst.settledRequests()).filter(isWrite), [], 'the re-copy writes nothing');

    // Without --referrers nothing but the image travels.
    const plain = await copyCli(
      `${src.host}/staging/signed:amd64`,
      `${dst.host}/prod/unsigned:1.0`,
    );
    t.equal(plain.code, 0, plain.stderr);
    t.same(plain.json().referrers, []);
    t.same(await listTags(dst, 'prod/unsigned'), ['1.0']);
  },
);

t.test('within one repository (retag): only the tag is written', async (t) => {
  await src.resetRequests();
  const r = await copy(
    client,
    ref(src, 'staging/busybox:multiarch'),
    ref(src, 'staging/busybox:retagged'),
  );
  t.equal(r.digest, bb.index);
  t.same(r.manifests, { copied: 0, skipped: 1 });
  t.same(r.blobs, { copied: 0, mounted: 0, skipped: 0 });
  t.same(r.tag, { tag: 'retagged', action: 'created', previousDigest: null });
  const log = await src.settledRequests();
  t.same(summarizeRequests(log), {
    'GET manifest 200': 1,
    'HEAD manifest 200': 1,
    'HEAD manifest 404': 1,
    'PUT manifest 201': 1,
  });
  t.same(
    log.filter(isWrite).map((e) => e.ref),
    ['retagged'],
  );
  t.equal(await headManifest(src, 'staging/busybox', 'retagged'), bb.index);
});

t.test('--referrers with --dry-run writes nothing; a foreign cosign tag is kept', async (t) => {
  const s = signed;
  await dst.resetRequests();
  const dry = await copyCli(
    '--referrers',
    '--dry-run',
    `${src.host}/staging/signed:amd64`,
    `${dst.host}/prod/signed-dry:1.0`,
  );
  t.equal(dry.code, 0, dry.stderr);
  t.same(
    dry
      .json()
      .referrers.map((x: { digest: string; action: string }) => x.action)
      .sort(),
    ['copied', 'copied'],
    'both referrers would be copied',
  );
  t.same((await dst.settledRequests()).filter(isWrite), [], 'nothing written');
  t.same(await listTags(dst, 'prod/signed-dry'), []);

  // The destination already holds another manifest under the cosign tag: left alone.
  await copy(client, ref(src, 'staging/busybox:arm64'), ref(dst, `prod/signed-kept:${s.sigTag}`));
  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    '--referrers',
    `${src.host}/staging/signed:amd64`,
    `${dst.host}/prod/signed-kept:1.0`,
  ]);
  t.equal(r.code, 0, r.stderr);
  const sig = r.json().referrers.find((x: { tag?: string }) => x.tag === s.sigTag);
  t.same(sig, { digest: s.sig, subject: s.subject, tag: s.sigTag, action: 'kept-destination' });
  t.equal(await headManifest(dst, 'prod/signed-kept', s.sigTag), bb.arm64, 'tag not moved');
  t.match(r.stderr, /already points to .*left as it is/, 'a warning says so');
});
