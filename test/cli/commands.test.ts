// inspect, digest, tags and verify through the CLI against a real registry: `--json`
// field names exactly as docs/cli.md gives them, `inspect --raw` bytes, all tags listed,
// verify exit codes (4 on a wrong digest or missing content).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { writeRandomImage } from '../helpers/random.js';
import { startRegistry } from '../helpers/registry.js';
import {
  BUSYBOX_LAYOUT,
  deleteManifest,
  getManifest,
  layoutRef,
  OCI_INDEX,
  OCI_MANIFEST,
  pushDockerV2,
  pushLayout,
  pushManifest,
  rawRequest,
  readLayoutBlob,
  seedBusybox,
  seedWithReferrers,
} from '../helpers/seed.js';

const reg = await startRegistry(t);
const cli = await cliEnv(t);
const work = await mkdtemp(join(tmpdir(), 'oci-promote-commands-test-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
const bb = await seedBusybox(reg, 'lib/busybox');
const signed = await seedWithReferrers(reg, 'lib/signed');
const v2 = await pushDockerV2(reg, BUSYBOX_LAYOUT, 'amd64', 'lib/docker', 'v2s2');

const run = (...args: string[]) => cli.run([...args.slice(0, 1), '--plain-http', ...args.slice(1)]);
const keys = (o: object) => Object.keys(o).sort();

t.test('inspect --json: an index', async (t) => {
  const r = await run('inspect', '--json', `${reg.host}/lib/busybox:multiarch`);
  t.equal(r.code, 0, r.stderr);
  t.same(r.json(), {
    reference: `${reg.host}/lib/busybox:multiarch@${bb.index}`,
    digest: bb.index,
    mediaType: OCI_INDEX,
    size: (await layoutRef(BUSYBOX_LAYOUT, 'multiarch')).size,
    platforms: ['linux/amd64', 'linux/arm64/v8'],
    referrers: [],
  });
});

t.test('inspect --json: an image reports its config platform; a v2s2 image too', async (t) => {
  const r = await run('inspect', '--json', `${reg.host}/lib/busybox@${bb.arm64}`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.same(keys(j), ['digest', 'mediaType', 'platforms', 'reference', 'referrers', 'size']);
  t.equal(j.reference, `${reg.host}/lib/busybox@${bb.arm64}`);
  t.equal(j.mediaType, OCI_MANIFEST);
  t.same(j.platforms, ['linux/arm64/v8']);

  const d = await run('inspect', '--json', `${reg.host}/lib/docker:v2s2`);
  t.equal(d.code, 0, d.stderr);
  t.match(d.json(), {
    digest: v2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    platforms: ['linux/amd64'],
  });
});

t.test('inspect --json: referrers (fallback index and cosign tag), artifactType', async (t) => {
  const r = await run('inspect', '--json', `${reg.host}/lib/signed:amd64`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.equal(j.digest, signed.subject);
  t.equal(j.referrers.length, 2);
  const sbom = j.referrers.find((x: { digest: string }) => x.digest === signed.sbom);
  const sig = j.referrers.find((x: { digest: string }) => x.digest === signed.sig);
  t.same(keys(sbom), ['annotations', 'artifactType', 'digest', 'mediaType', 'size']);
  t.match(sbom, { mediaType: OCI_MANIFEST, artifactType: 'application/spdx+json' });
  t.same(keys(sig), ['digest', 'mediaType', 'size', 'tag']);
  t.equal(sig.tag, signed.sigTag);

  const a = await run('inspect', '--json', `${reg.host}/lib/signed@${signed.sbom}`);
  t.equal(a.code, 0, a.stderr);
  t.equal(a.json().artifactType, 'application/spdx+json');
  t.same(a.json().platforms, [], 'an artifact has no platform');

  const text = await run('inspect', `${reg.host}/lib/signed:amd64`);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, `digest     ${signed.subject}`);
  t.match(text.stdout, `(tag ${signed.sigTag})`);
});

t.test('inspect --raw prints the registry bytes exactly', async (t) => {
  for (const [repo, tag] of [
    ['lib/busybox', 'multiarch'],
    ['lib/busybox', 'amd64'],
    ['lib/docker', 'v2s2'],
    ['lib/signed', signed.sigTag],
  ] as const) {
    const r = await run('inspect', '--raw', `${reg.host}/${repo}:${tag}`);
    t.equal(r.code, 0, r.stderr);
    t.same(r.stdoutBytes, (await getManifest(reg, repo, tag)).bytes, `${repo}:${tag}`);
  }
  t.same(
    (await run('inspect', '--raw', `${reg.host}/lib/busybox:multiarch`)).stdoutBytes,
    await readLayoutBlob(BUSYBOX_LAYOUT, bb.index),
    'no newline added',
  );
  const both = await run('inspect', '--raw', '--json', `${reg.host}/lib/busybox:amd64`);
  t.equal(both.code, 2, '--raw with --json is a usage error');
  t.equal(both.json().error.code, 'ERR_USAGE');
});

t.test('digest: text and --json', async (t) => {
  const r = await run('digest', `${reg.host}/lib/busybox:multiarch`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `${bb.index}\n`, 'exactly the digest and a newline');
  const j = await run('digest', '--json', `${reg.host}/lib/docker:v2s2`);
  t.equal(j.code, 0, j.stderr);
  t.same(j.json(), {
    reference: `${reg.host}/lib/docker:v2s2`,
    digest: v2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    size: (await getManifest(reg, 'lib/docker', 'v2s2')).bytes.length,
  });
  const byDigest = await run('digest', `${reg.host}/lib/busybox@${bb.image}`);
  t.equal(byDigest.stdout, `${bb.image}\n`);
});

t.test('tags: every tag of a repository with 30 tags', async (t) => {
  // distribution 2.8 ignores `n` and answers the whole list in one page (no Link header),
  // so this checks completeness; following `Link` pages is covered by test/protocol.
  await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'lib/many', 'v1.0.0');
  const manifest = await getManifest(reg, 'lib/many', 'v1.0.0');
  const want: string[] = ['v1.0.0'];
  for (let i = 1; i < 30; i++) {
    const tag = `v1.${i}.0`;
    want.push(tag);
    await pushManifest(reg, 'lib/many', tag, manifest.bytes, OCI_MANIFEST);
  }
  await reg.resetRequests();
  const r = await run('tags', '--json', `${reg.host}/lib/many`);
  t.equal(r.code, 0, r.stderr);
  const j = r.json();
  t.same(keys(j), ['repository', 'tags']);
  t.equal(j.repository, `${reg.host}/lib/many`);
  t.same([...j.tags].sort(), [...want].sort(), 'all 30 tags');
  t.equal(j.tags.length, 30, 'no duplicates');
  const log = await reg.settledRequests();
  t.same(
    log.map((e) => `${e.method} ${e.kind} ${e.status}`),
    ['GET tags 200'],
    'one page from distribution',
  );

  const text = await run('tags', `${reg.host}/lib/many`);
  t.same(text.stdout.trimEnd().split('\n').sort(), [...want].sort(), 'one tag per line');

  const unknown = await run('tags', '--json', `${reg.host}/lib/nothing-here`);
  t.equal(unknown.code, 1, 'an unknown repository is not found');
  t.equal(unknown.json().error.code, 'ERR_NOT_FOUND');

  const withTag = await run('tags', '--json', `${reg.host}/lib/many:v1.0.0`);
  t.equal(withTag.code, 2, 'tags takes a repository, not a tag');
  t.equal(withTag.json().error.code, 'ERR_INVALID_REFERENCE');
});

t.test('verify: ok, --digest mismatch (exit 4), missing reference (exit 4)', async (t) => {
  const ok = await run(
    'verify',
    '--json',
    '--digest',
    bb.index,
    `${reg.host}/lib/busybox:multiarch`,
  );
  t.equal(ok.code, 0, ok.stderr);
  t.same(ok.json(), {
    reference: `${reg.host}/lib/busybox:multiarch`,
    digest: bb.index,
    ok: true,
    missing: [],
  });
  const okText = await run('verify', '--deep', `${reg.host}/lib/busybox:multiarch`);
  t.equal(okText.code, 0, okText.stderr);
  t.equal(okText.stdout, `OK ${reg.host}/lib/busybox:multiarch (deep)\n`);

  const wrong = await run(
    'verify',
    '--json',
    '--digest',
    bb.image,
    `${reg.host}/lib/busybox:arm64`,
  );
  t.equal(wrong.code, 4, 'wrong digest is an integrity failure');
  const j = wrong.json();
  t.same(keys(j), ['digest', 'error', 'missing', 'ok', 'reference']);
  t.match(j, {
    reference: `${reg.host}/lib/busybox:arm64`,
    digest: bb.arm64,
    ok: false,
    missing: [],
    error: { code: 'ERR_VERIFY_FAILED' },
  });
  t.match(j.error.message, bb.image);
  t.match(
    wrong.stderr,
    /^oci-promote: error: verify failed: .*expected sha256:.*\[ERR_VERIFY_FAILED\]$/m,
  );

  const absent = await run('verify', '--json', `${reg.host}/lib/busybox:gone`);
  t.equal(absent.code, 4);
  t.match(absent.json(), { digest: null, ok: false, missing: ['gone'] });

  const malformed = await run(
    'verify',
    '--json',
    '--digest',
    'sha256:abc',
    `${reg.host}/lib/busybox:amd64`,
  );
  t.equal(malformed.code, 2, 'a malformed --digest is bad input');
  t.equal(malformed.json().error.code, 'ERR_INVALID_DIGEST');
});

t.test('verify --deep: a deleted layer blob or child manifest is reported missing', async (t) => {
  const img = await writeRandomImage(join(work, 'deep'), {
    seed: 'verify-deep',
    layers: 3,
    layerSize: 10_000,
    tag: 'v1',
  });
  await pushLayout(reg, img.dir, 'v1', 'lib/deep');
  const before = await run('verify', '--json', '--deep', `${reg.host}/lib/deep:v1`);
  t.equal(before.code, 0, before.stderr);

  const victim = img.layers[1]!.digest;
  const del = await rawRequest(reg, 'DELETE', `/v2/lib/deep/blobs/${victim}`);
  t.equal(del.status, 202, 'blob deleted through the API');
  const shallow = await run('verify', '--json', `${reg.host}/lib/deep:v1`);
  t.equal(shallow.code, 0, 'without --deep only the manifest is checked');
  const deep = await run('verify', '--json', '--deep', `${reg.host}/lib/deep:v1`);
  t.equal(deep.code, 4);
  t.match(deep.json(), {
    digest: img.digest,
    ok: false,
    missing: [victim],
    error: { code: 'ERR_VERIFY_FAILED' },
  });
  t.same(deep.json().missing, [victim], 'exactly that digest');

  // An index whose arm64 child manifest was deleted.
  await pushLayout(reg, BUSYBOX_LAYOUT, 'multiarch', 'lib/deep-index');
  await deleteManifest(reg, 'lib/deep-index', bb.arm64);
  const idx = await run('verify', '--json', '--deep', `${reg.host}/lib/deep-index:multiarch`);
  t.equal(idx.code, 4);
  t.same(idx.json().missing, [bb.arm64]);
  const text = await run('verify', '--deep', `${reg.host}/lib/deep-index:multiarch`);
  t.equal(text.code, 4);
  t.equal(text.stdout, `missing or damaged: ${bb.arm64}\n`);
  t.match(
    text.stderr,
    /^oci-promote: error: verify failed: 1 item\(s\) missing or damaged under .*\[ERR_VERIFY_FAILED\]$/m,
  );
});
