// Peer cross-checks with skopeo: what oci-promote wrote, skopeo reads byte-identically and
// copies out; what skopeo wrote, oci-promote copies with every digest unchanged.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { copy, parseReference } from '../../lib/index.js';
import { writeRandomImage, writeRandomIndex } from '../helpers/random.js';
import type { Registry } from '../helpers/registry.js';
import {
  BUSYBOX_LAYOUT,
  DOCKER_MANIFEST,
  getManifest,
  layoutRef,
  pushDockerV2,
  pushLayout,
  readLayoutBlob,
  seedBusybox,
  sha256,
  skopeoCopy,
  skopeoDigest,
  skopeoInspectRaw,
} from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const execFileAsync = promisify(execFile);

const { src, dst, client, cli, work } = await twoRegistries(t, 'peer');

const bb = await seedBusybox(src, 'staging/busybox');
const ref = (reg: Registry, s: string) => parseReference(`${reg.host}/${s}`);

/** `skopeo copy --all --preserve-digests docker://… oci:DIR:TAG` (out of a registry). */
async function skopeoCopyOut(from: string, dir: string, tag: string): Promise<void> {
  await execFileAsync('skopeo', [
    'copy',
    '--quiet',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    `docker://${from}`,
    `oci:${dir}:${tag}`,
  ]);
}

/** Every blob file of an OCI layout hashes to its name; returns the digests. */
async function layoutBlobsIntact(dir: string): Promise<{ ok: boolean; digests: string[] }> {
  const names = await readdir(join(dir, 'blobs', 'sha256'));
  let ok = true;
  for (const n of names) {
    if (sha256(await readFile(join(dir, 'blobs', 'sha256', n))) !== `sha256:${n}`) ok = false;
  }
  return { ok, digests: names.map((n) => `sha256:${n}`).sort() };
}

t.test('skopeo reads what oci-promote wrote, byte for byte (OCI index)', async (t) => {
  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${src.host}/staging/busybox:multiarch`,
    `${dst.host}/prod/busybox:1.0`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, bb.index);

  const indexBytes = await readLayoutBlob(BUSYBOX_LAYOUT, bb.index);
  t.same(await skopeoInspectRaw(dst, 'prod/busybox:1.0'), indexBytes, 'index bytes by tag');
  for (const d of [bb.index, bb.image, bb.arm64]) {
    t.same(
      await skopeoInspectRaw(dst, `prod/busybox@${d}`),
      await readLayoutBlob(BUSYBOX_LAYOUT, d),
      `${d} bytes identical`,
    );
  }

  // skopeo copies it all back out into an OCI layout, digests preserved.
  const out = join(work, 'out-index');
  await skopeoCopyOut(`${dst.host}/prod/busybox:1.0`, out, 'copied');
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
  t.equal(index.manifests.length, 1);
  t.equal(index.manifests[0].digest, bb.index, 'skopeo found the same index digest');
  const blobs = await layoutBlobsIntact(out);
  t.ok(blobs.ok, 'every blob skopeo fetched hashes to its name');
  const fixture = await layoutBlobsIntact(BUSYBOX_LAYOUT);
  t.same(blobs.digests, fixture.digests, 'the same set of blobs as the fixture layout');
});

t.test('skopeo reads a multi-MiB synthetic image oci-promote streamed across', async (t) => {
  const img = await writeRandomImage(join(work, 'big'), {
    seed: 'peer-big',
    layers: 3,
    layerSize: [3 * 1024 * 1024 + 17, 100_000, 1],
    tag: 'v1',
  });
  await pushLayout(src, img.dir, 'v1', 'staging/big');
  const r = await copy(client, ref(src, 'staging/big:v1'), ref(dst, 'prod/big:v1'));
  t.equal(r.digest, img.digest);
  t.equal(r.bytesCopied, img.blobBytes);
  t.same(await skopeoInspectRaw(dst, 'prod/big:v1'), img.manifestBytes);

  const out = join(work, 'out-big');
  await skopeoCopyOut(`${dst.host}/prod/big:v1`, out, 'v1');
  const blobs = await layoutBlobsIntact(out);
  t.ok(blobs.ok, 'every blob intact');
  t.same(
    blobs.digests,
    [img.digest, img.config.digest, ...img.layers.map((l) => l.digest)].sort(),
    'manifest, config and all layers',
  );
});

t.test('skopeo reads a Docker v2s2 image oci-promote wrote', async (t) => {
  const v2 = await pushDockerV2(src, BUSYBOX_LAYOUT, 'amd64', 'staging/docker', 'v2s2');
  const r = await copy(client, ref(src, 'staging/docker:v2s2'), ref(dst, 'prod/docker:v2s2'));
  t.equal(r.digest, v2);
  t.equal(await skopeoDigest(dst, 'prod/docker:v2s2'), v2);
  const { stdout } = await execFileAsync('skopeo', [
    'inspect',
    '--tls-verify=false',
    `docker://${dst.host}/prod/docker:v2s2`,
  ]);
  const info = JSON.parse(stdout);
  t.equal(info.Digest, v2, 'skopeo inspect reports the same digest');
  t.equal(info.Architecture, 'amd64');
  // dir: keeps the manifest exactly as served.
  const dir = join(work, 'out-docker');
  await execFileAsync('skopeo', [
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    `docker://${dst.host}/prod/docker:v2s2`,
    `dir:${dir}`,
  ]);
  const manifest = await readFile(join(dir, 'manifest.json'));
  t.equal(sha256(manifest), v2);
  t.equal(JSON.parse(manifest.toString('utf8')).mediaType, DOCKER_MANIFEST);
});

t.test('oci-promote copies what skopeo wrote with every digest unchanged', async (t) => {
  // A synthetic two-platform index pushed by skopeo.
  const idx = await writeRandomIndex(join(work, 'idx'), {
    seed: 'peer-index',
    layers: 2,
    layerSize: 50_000,
    tag: 'multi',
  });
  t.equal(await pushLayout(src, idx.dir, 'multi', 'skopeo/index'), idx.digest);
  const r = await copy(client, ref(src, 'skopeo/index:multi'), ref(dst, 'prod/index:multi'));
  t.equal(r.digest, idx.digest);
  t.same(r.manifests, { copied: 3, skipped: 0 });
  t.equal(await skopeoDigest(dst, 'prod/index:multi'), idx.digest, 'index digest unchanged');
  for (const m of idx.manifests) {
    t.same(await skopeoInspectRaw(dst, `prod/index@${m.digest}`), m.manifestBytes);
  }

  // A Docker manifest list skopeo converted and then copied between registries itself.
  const list = await pushDockerV2(src, BUSYBOX_LAYOUT, 'multiarch', 'skopeo/list', 'v1');
  await skopeoCopy(`docker://${src.host}/skopeo/list:v1`, `docker://${dst.host}/skopeo/list:v1`);
  t.equal(await skopeoDigest(dst, 'skopeo/list:v1'), list);
  const back = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${dst.host}/skopeo/list:v1`,
    `${src.host}/prod/list:v1`,
  ]);
  t.equal(back.code, 0, back.stderr);
  t.equal(back.json().digest, list);
  t.equal(await skopeoDigest(src, 'prod/list:v1'), list);
  const verify = await cli.run([
    'verify',
    '--plain-http',
    '--json',
    '--deep',
    '--digest',
    list,
    `${src.host}/prod/list:v1`,
  ]);
  t.equal(verify.code, 0, verify.stderr);
  t.same(verify.json(), {
    reference: `${src.host}/prod/list:v1`,
    digest: list,
    ok: true,
    missing: [],
  });
});

t.test('skopeo carries on from what oci-promote wrote, digest preserved', async (t) => {
  await copy(client, ref(src, 'staging/busybox:amd64'), ref(dst, 'prod/relay:1'));
  await skopeoCopy(`docker://${dst.host}/prod/relay:1`, `docker://${src.host}/relay/again:1`);
  const amd64 = await layoutRef(BUSYBOX_LAYOUT, 'amd64');
  t.equal(await skopeoDigest(src, 'relay/again:1'), amd64.digest);
  t.equal((await getManifest(src, 'relay/again', '1')).digest, amd64.digest);
});
