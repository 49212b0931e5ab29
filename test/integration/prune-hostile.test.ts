// prune and rollback against a forged ledger on real registries. Anyone with push access
// can write the ledger index (here with the library, as such a writer would), so nothing in
// it steers a deletion or a rollback: prune deletes only images named by dropped entries
// whose record is verifiably one of ours, never anything a tag reaches (through indexes
// and referrers), never outside the repository, and prints only confirmed deletions.
import { join } from 'node:path';
import t from 'tap';
import {
  copy,
  type Descriptor,
  type Digest,
  type PromoteRequest,
  parseReference,
  parseRepository,
  promote,
  RECORD_ARTIFACT_TYPE,
} from '../../lib/index.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../lib/media-types.js';
import { readLedger, writeLedger } from '../../lib/promote/ledger.js';
import { ANNOTATION } from '../../lib/promote/record.js';
import { writeRandomImage, writeRandomIndex } from '../helpers/random.js';
import type { RequestLogEntry } from '../helpers/registry.js';
import { headManifest, pushLayout, pushManifest, seedWithReferrers } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client, cli, work } = await twoRegistries(t, 'prune-hostile');
const fast = {};

interface Staged {
  digest: Digest;
  size: number;
}
let seeds = 0;
/** stage pushes a fresh random image (or index) to staging as `repo:tag`. */
async function stage(
  repo: string,
  tag: string,
  kind: 'image' | 'index' = 'image',
): Promise<Staged> {
  const opts = { seed: `prune-hostile-${++seeds}`, layers: 1, layerSize: 1_000, tag };
  const dir = join(work, `img${seeds}`);
  const img =
    kind === 'image' ? await writeRandomImage(dir, opts) : await writeRandomIndex(dir, opts);
  await pushLayout(src, img.dir, tag, repo, tag);
  return { digest: img.digest as Digest, size: img.size };
}

const req = (source: string, target: string, tags: string[]): PromoteRequest => ({
  source: parseReference(`${src.host}/${source}`),
  target: parseRepository(`${dst.host}/${target}`),
  tags,
});

/** forged is a ledger entry anyone with push access could write. */
function forged(
  desc: Staged,
  annotations: { digest: string; tag: string; previousDigest?: string | null },
): Descriptor {
  return {
    mediaType: OCI_MANIFEST,
    digest: desc.digest,
    size: desc.size,
    artifactType: RECORD_ARTIFACT_TYPE,
    annotations: {
      [ANNOTATION.created]: '2020-01-01T00:00:00.000Z',
      [ANNOTATION.action]: 'promote',
      [ANNOTATION.digest]: annotations.digest,
      [ANNOTATION.tags]: JSON.stringify([
        { tag: annotations.tag, previousDigest: annotations.previousDigest ?? null },
      ]),
    },
  };
}

/** forgeLedger writes the ledger of `repo` with `front` before and `back` after its records. */
async function forgeLedger(repo: string, front: Descriptor[], back: Descriptor[] = []) {
  const r = client.repository(parseRepository(`${dst.host}/${repo}`));
  const ledger = await readLedger(r);
  await writeLedger(r, [...front, ...ledger.records, ...back]);
}

const deletions = (log: RequestLogEntry[]) =>
  log.filter((e) => e.method === 'DELETE' && e.status === 202).map((e) => e.ref);

t.test(
  'a forged entry naming a live release or a non-record: prune deletes neither and prints only confirmed deletions',
  async (t) => {
    const a = await stage('p1', '1.0.0');
    await promote(client, req('p1:1.0.0', 'p1', ['latest']), fast);
    const b = await stage('p1', '2.0.0');
    await promote(client, req('p1:2.0.0', 'p1', ['latest']), fast);
    const c = await stage('p1', '3.0.0');
    await promote(client, req('p1:3.0.0', 'p1', ['latest']), fast);
    // An image in the repository no tag reaches and no record names.
    const u = await stage('p1u', '0.1.0');
    await copy(client, parseReference(`${src.host}/p1u:0.1.0`), parseRepository(`${dst.host}/p1`));
    await forgeLedger('p1', [
      forged(c, { digest: c.digest, tag: 'latest' }),
      forged(u, { digest: u.digest, tag: 'latest' }),
    ]);

    await dst.resetRequests();
    const r = await cli.run(['prune', '--plain-http', '--keep', '1', `${dst.host}/p1`]);
    t.equal(r.code, 0, r.stderr);
    const confirmed = deletions(await dst.settledRequests());

    t.equal(await headManifest(dst, 'p1', 'latest'), c.digest, 'the live release stays');
    t.equal(await headManifest(dst, 'p1', c.digest), c.digest);
    t.equal(await headManifest(dst, 'p1', u.digest), u.digest, 'a non-record stays');
    t.equal(await headManifest(dst, 'p1', b.digest), b.digest, 'a kept entry names b');
    t.equal(
      await headManifest(dst, 'p1', a.digest),
      undefined,
      'a, named only by a dropped record',
    );

    const images = /^(\d+) image manifest\(s\) were deleted$/m.exec(r.stdout);
    const records = /^(\d+) history record artifact\(s\) were deleted$/m.exec(r.stdout);
    t.ok(images && records, r.stdout);
    t.equal(Number(images?.[1]), 1, 'one image deleted');
    t.equal(
      Number(images?.[1]) + Number(records?.[1]),
      confirmed.length,
      'the printed counts are the deletions the registry confirmed',
    );
    t.ok(r.stdout.includes(`  ${a.digest}`), 'a is listed');
    t.notOk(confirmed.includes(c.digest) || confirmed.includes(u.digest));
    const verify = await cli.run(['verify', '--plain-http', '--deep', `${dst.host}/p1:latest`]);
    t.equal(verify.code, 0, 'the live image is whole');
  },
);

t.test(
  'a path in a ledger annotation never leaves the repository; a nested live index keeps its children',
  async (t) => {
    const o = await stage('o', '1.0.0');
    await copy(
      client,
      parseReference(`${src.host}/o:1.0.0`),
      parseReference(`${dst.host}/other/app:1.0.0`),
    );
    const idx = await stage('p2', 'i', 'index');
    await promote(client, req('p2:i', 'team/p2', ['v1']), fast);
    const a = await stage('p2', 'a');
    await promote(client, req('p2:a', 'team/p2', ['v1']), fast);
    await stage('p2', 'b');
    await promote(client, req('p2:b', 'team/p2', ['v1']), fast);
    // A live index whose only child is the promoted index: its platforms are reached too.
    const bundle = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_INDEX, digest: idx.digest, size: idx.size }],
      }),
    );
    await pushManifest(dst, 'team/p2', 'bundle', bundle, OCI_INDEX);
    await forgeLedger('team/p2', [
      forged(a, { digest: `../../../other/app/manifests/${o.digest}`, tag: 'v1' }),
    ]);

    await dst.resetRequests();
    const r = await cli.run([
      'prune',
      '--plain-http',
      '--json',
      '--keep',
      '1',
      `${dst.host}/team/p2`,
    ]);
    t.equal(r.code, 0, r.stderr);
    const log = await dst.settledRequests();
    t.same(
      log
        .filter((e) => e.repo !== undefined && e.repo !== 'team/p2')
        .map((e) => `${e.method} ${e.path}`),
      [],
      'no request outside the repository',
    );
    t.equal(
      await headManifest(dst, 'other/app', o.digest),
      o.digest,
      'the other repository is untouched',
    );
    t.same(r.json().deleted, [], 'everything left is reached by a tag');
    t.same(deletions(log), []);
    const whole = await cli.run(['verify', '--plain-http', '--deep', `${dst.host}/team/p2:bundle`]);
    t.equal(whole.code, 0, `the live index is whole: ${whole.stdout}`);
    t.equal(await headManifest(dst, 'team/p2', a.digest), a.digest);
  },
);

t.test('a referrer of a live image stays though its own ledger entry is dropped', async (t) => {
  const seeded = await seedWithReferrers(src, 'p3src', 'prod');
  await promote(
    client,
    { ...req(`p3src@${seeded.subject}`, 'p3', ['prod']), copy: { referrers: true } },
    fast,
  );
  await promote(client, req(`p3src@${seeded.sbom}`, 'p3', ['sbom']), fast);
  for (const tag of ['x', 'y']) {
    await stage('p3', tag);
    await promote(client, req(`p3:${tag}`, 'p3', ['sbom']), fast);
  }

  await dst.resetRequests();
  const r = await cli.run(['prune', '--plain-http', '--json', '--keep', '1', `${dst.host}/p3`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(await headManifest(dst, 'p3', seeded.sbom), seeded.sbom, 'the SBOM of prod stays');
  t.notOk(r.json().deleted.includes(seeded.sbom));
  t.same(deletions(await dst.settledRequests()), []);
});

t.test('rollback does not follow an entry that is not one of our records (exit 3)', async (t) => {
  const a = await stage('p4', '1.0.0');
  await promote(client, req('p4:1.0.0', 'p4', ['latest']), fast);
  const b = await stage('p4', '2.0.0');
  await promote(client, req('p4:2.0.0', 'p4', ['latest']), fast);
  const u = await stage('p4u', '0.1.0');
  await copy(client, parseReference(`${src.host}/p4u:0.1.0`), parseRepository(`${dst.host}/p4`));
  await forgeLedger(
    'p4',
    [],
    [forged(a, { digest: u.digest, tag: 'latest', previousDigest: b.digest })],
  );

  const to = await cli.run([
    'rollback',
    '--plain-http',
    '--json',
    '--to-digest',
    u.digest,
    `${dst.host}/p4:latest`,
  ]);
  t.equal(to.code, 3, to.stderr);
  t.equal(await headManifest(dst, 'p4', 'latest'), b.digest, 'latest did not move');

  // By steps, the forged entry is skipped: two back from c is a (b, then a), not u.
  await stage('p4', '3.0.0');
  await promote(client, req('p4:3.0.0', 'p4', ['latest']), fast);
  const back = await cli.run([
    'rollback',
    '--plain-http',
    '--json',
    '--steps',
    '2',
    `${dst.host}/p4:latest`,
  ]);
  t.equal(back.code, 0, back.stderr);
  t.equal(back.json().digest, a.digest);
  t.equal(await headManifest(dst, 'p4', 'latest'), a.digest);
});

t.test('a genuine record under rewritten ledger annotations is ignored', async (t) => {
  for (const v of ['1.0.0', '2.0.0', '3.0.0']) {
    await stage('p5', v);
    await promote(client, req(`p5:${v}`, 'p5', ['latest']), fast);
  }
  const u = await stage('p5u', '0.1.0');
  await copy(client, parseReference(`${src.host}/p5u:0.1.0`), parseRepository(`${dst.host}/p5`));
  const r5 = client.repository(parseRepository(`${dst.host}/p5`));
  const [first, ...rest] = (await readLedger(r5)).records;
  if (!first) throw new Error('no ledger');
  // The oldest record, now claiming it promoted u.
  const claimed = {
    ...first,
    annotations: { ...first.annotations, [ANNOTATION.digest]: u.digest },
  };
  await writeLedger(r5, [claimed, ...rest]);

  await dst.resetRequests();
  const r = await cli.run(['prune', '--plain-http', '--json', '--keep', '1', `${dst.host}/p5`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(await headManifest(dst, 'p5', u.digest), u.digest, 'u stays');
  t.same(r.json().ignoredRecords, [first.digest]);
  t.notOk(r.json().deleted.includes(u.digest));
  t.notOk(deletions(await dst.settledRequests()).includes(u.digest));
});
