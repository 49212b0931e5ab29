// Request counts at real registries (the figures issue 2 asks for; printed with t.comment):
// a same-registry copy mounts every blob and uploads no blob bytes, and a no-op re-copy
// costs a constant number of requests whatever the number of layers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { copy, createClient, parseReference, promote } from '../../lib/index.js';
import { cliEnv } from '../helpers/cli.js';
import { type RandomImage, writeRandomImage } from '../helpers/random.js';
import {
  blobUploadRequests,
  type Registry,
  type RequestLogEntry,
  startRegistry,
  summarizeRequests,
} from '../helpers/registry.js';
import { headManifest, pushLayout } from '../helpers/seed.js';

const one = await startRegistry(t); // staging and production repositories on one registry
const staging = await startRegistry(t); // cross-registry pair
const production = await startRegistry(t);
const client = createClient({ plainHttp: true });
t.teardown(() => client.close());
const cli = await cliEnv(t);
const work = await mkdtemp(join(tmpdir(), 'oci-promote-requests-test-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

const images: Record<number, RandomImage> = {};
for (const layers of [2, 8]) {
  const img = await writeRandomImage(join(work, `l${layers}`), {
    seed: `requests-${layers}`,
    layers,
    layerSize: 64 * 1024,
    tag: 'v1',
  });
  images[layers] = img;
  await pushLayout(one, img.dir, 'v1', `staging/app${layers}`);
  await pushLayout(staging, img.dir, 'v1', `staging/app${layers}`);
}

const ref = (reg: Registry, s: string) => parseReference(`${reg.host}/${s}`);
const show = (entries: RequestLogEntry[]) => JSON.stringify(summarizeRequests(entries));

t.test('same-registry copy of an 8-layer image uploads no blob bytes', async (t) => {
  const img = images[8]!;
  await one.resetRequests();
  const r = await copy(client, ref(one, 'staging/app8:v1'), ref(one, 'prod/app8:v1'));
  t.equal(r.digest, img.digest);
  t.same(r.blobs, { copied: 0, mounted: 9, skipped: 0 }, '8 layers + config mounted');
  t.equal(r.bytesCopied, 0);
  const log = await one.settledRequests();
  t.same(blobUploadRequests(log), [], 'no upload session carried bytes');
  const mounts = log.filter((e) => e.mount);
  t.equal(mounts.length, 9, '8 + 1 mount requests');
  t.ok(
    mounts.every((e) => e.status === 201 && e.repo === 'prod/app8'),
    'every mount answered 201',
  );
  t.same(
    mounts.map((e) => new URLSearchParams(e.query).get('from')),
    Array(9).fill('staging/app8'),
  );
  t.same(
    log.filter((e) => e.kind === 'blob'),
    [],
    'no blob was read (GET) or even checked (HEAD)',
  );
  t.same(summarizeRequests(log), {
    'GET manifest 200': 1, // the source, resolved once
    'HEAD manifest 404': 2, // destination: manifest by digest, then the tag
    'POST blob-upload mount 201': 9,
    'PUT manifest 201': 2, // by digest, then the tag
  });
  t.comment(`same-registry copy, 8 layers: ${log.length} requests ${show(log)}`);
});

t.test('no-op re-copy costs a constant number of requests (2 vs 8 layers)', async (t) => {
  const counts: Record<number, { dst: number; src: number }> = {};
  for (const layers of [2, 8]) {
    const from = ref(staging, `staging/app${layers}:v1`);
    const to = ref(production, `prod/app${layers}:v1`);
    const first = await copy(client, from, to);
    t.same(first.blobs, { copied: layers + 1, mounted: 0, skipped: 0 }, 'first copy streams');

    await Promise.all([staging.resetRequests(), production.resetRequests()]);
    const again = await copy(client, from, to);
    t.same(again.manifests, { copied: 0, skipped: 1 });
    t.same(again.blobs, { copied: 0, mounted: 0, skipped: 0 }, 'blobs not even looked at');
    t.same(again.tag, { tag: 'v1', action: 'unchanged', previousDigest: images[layers]!.digest });
    const dst = await production.settledRequests();
    const src = await staging.settledRequests();
    t.same(
      summarizeRequests(dst),
      { 'HEAD manifest 200': 2 },
      `${layers} layers, destination: HEAD by digest + HEAD tag`,
    );
    t.same(
      dst.map((e) => e.ref),
      [images[layers]!.digest, 'v1'],
    );
    t.same(summarizeRequests(src), { 'GET manifest 200': 1 }, `${layers} layers, source: 1 GET`);
    counts[layers] = { dst: dst.length, src: src.length };
    t.comment(
      `no-op re-copy, ${layers} layers: destination ${dst.length} ${show(dst)}, source ${src.length} ${show(src)}`,
    );
  }
  t.same(counts[2], counts[8], 'same counts for 2 and 8 layers');
  t.ok(counts[8]!.dst <= 3, 'at most 3 requests at the destination');

  // By digest only (no tag to check): one request at the destination.
  await production.resetRequests();
  await copy(client, ref(staging, 'staging/app8:v1'), ref(production, 'prod/app8'));
  t.same(summarizeRequests(await production.settledRequests()), { 'HEAD manifest 200': 1 });
});

t.test('no-op re-copy through the CLI costs the same', async (t) => {
  const counts: number[] = [];
  for (const layers of [2, 8]) {
    await Promise.all([staging.resetRequests(), production.resetRequests()]);
    const r = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${staging.host}/staging/app${layers}:v1`,
      `${production.host}/prod/app${layers}:v1`,
    ]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.json().tag.action, 'unchanged');
    const dst = await production.settledRequests();
    const src = await staging.settledRequests();
    t.same(summarizeRequests(dst), { 'HEAD manifest 200': 2 });
    t.same(summarizeRequests(src), { 'GET manifest 200': 1 });
    counts.push(dst.length + src.length);
  }
  t.equal(counts[0], counts[1]);
  t.comment(`CLI no-op re-copy: ${counts[1]} requests in all (2 and 8 layers alike)`);
});

t.test('same-registry no-op re-copy is constant too', async (t) => {
  const counts: number[] = [];
  for (const layers of [2, 8]) {
    const from = ref(one, `staging/app${layers}:v1`);
    const to = ref(one, `prod/same${layers}:v1`);
    await copy(client, from, to);
    await one.resetRequests();
    const again = await copy(client, from, to);
    t.same(again.blobs, { copied: 0, mounted: 0, skipped: 0 });
    const log = await one.settledRequests();
    t.same(summarizeRequests(log), { 'GET manifest 200': 1, 'HEAD manifest 200': 2 });
    counts.push(log.length);
  }
  t.equal(counts[0], counts[1]);
  t.comment(`same-registry no-op re-copy: ${counts[1]} requests (2 and 8 layers alike)`);
  t.equal(await headManifest(one, 'prod/same8', 'v1'), images[8]!.digest);
});

t.test('a first promotion into a new repository sends nothing its tag list answers', async (t) => {
  const small = await writeRandomImage(join(work, 'small'), {
    seed: 'requests-small',
    layers: 2,
    layerSize: 4096,
    tag: 'v1',
  });
  await pushLayout(staging, small.dir, 'v1', 'staging/small');
  const counts: Record<string, Record<string, number>> = {};
  // The image's config and 2 layers, then the record's statement (its config and layer)
  const uploaded = { 'POST blob-upload 202': 4, 'PUT blob-upload 201': 4 };
  for (const [name, src, blobs] of [
    ['small', 'staging/small:v1', uploaded],
    // Blobs above 64 KiB (these layers are 64 KiB of data in a tar) are looked for
    // first: sending one again costs more than a HEAD.
    ['big', 'staging/app2:v1', { 'HEAD blob 404': 2, ...uploaded }],
  ] as const) {
    await production.resetRequests();
    const r = await promote(client, {
      source: ref(staging, src),
      target: ref(production, `prod/first-${name}`),
      tags: ['1.0.0'],
    });
    t.ok(r.record, `${name}: recorded`);
    const log = await production.settledRequests();
    counts[name] = summarizeRequests(log);
    t.comment(`first promotion of ${name}: ${log.length} requests at production: ${show(log)}`);
    t.same(
      counts[name],
      {
        'GET tags 404': 1, // the plan; it also says there is no ledger and no fallback index
        ...blobs,
        'HEAD manifest 404': 1, // 1.0.0 re-checked right before its PUT
        // 1.0.0 (it carries the image), record, fallback index; a first record is its
        // own ledger, so no cache
        'PUT manifest 201': 3,
        'HEAD manifest 200': 1, // 1.0.0 read back
      },
      `${name}: no GET of the ledger or the fallback index, no HEAD of the image, no ledger cache`,
    );
  }
  t.equal(
    await headManifest(production, 'prod/first-small', '1.0.0'),
    small.digest,
    'the tag names the image',
  );
});
