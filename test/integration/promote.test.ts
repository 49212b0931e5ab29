// Promotion, rollback, history and prune against real registries: semver floating tags
// (a hotfix after a newer release), immutable versions, refusals and failures that leave
// every tag as it was, concurrent writers, gates, and retention that spares live digests.
import { join } from 'node:path';
import t from 'tap';
import {
  type Digest,
  history,
  type PromoteRequest,
  parseReference,
  parseRepository,
  promote,
  prune,
  RECORD_ARTIFACT_TYPE,
  rollback,
} from '../../lib/index.js';
import { writeRandomImage } from '../helpers/random.js';
import { type Registry, startRegistry } from '../helpers/registry.js';
import {
  blobExists,
  headManifest,
  listTags,
  pushLayout,
  rawRequest,
  seedWithReferrers,
  stager,
} from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client, cli, work } = await twoRegistries(t, 'promote');
const fast = {};

const stage = stager(src, work, 'promote', { layerSize: 2000 });

const req = (
  source: string,
  target: string,
  over: Partial<PromoteRequest> = {},
): PromoteRequest => ({
  source: parseReference(`${src.host}/${source}`),
  target: parseRepository(`${dst.host}/${target}`),
  ...over,
});

/** tagsOf maps every tag of a destination repository to its digest. */
async function tagsOf(reg: Registry, repo: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const tag of (await listTags(reg, repo)).sort())
    out[tag] = await headManifest(reg, repo, tag);
  return out;
}
const releaseTags = (all: Record<string, string | undefined>) =>
  Object.fromEntries(
    Object.entries(all).filter(
      ([k]) => !k.startsWith('sha256-') && !k.startsWith('oci-promote-history'),
    ),
  );

t.test(
  'semver: floating tags follow the highest release; a hotfix moves only its line',
  async (t) => {
    const v100 = await stage('app', '1.0.0');
    const v150 = await stage('app', '1.5.0');
    const v149 = await stage('app', '1.4.9');

    const first = await promote(client, req('app:1.0.0', 'app', { semver: true }), fast);
    t.same(
      first.tags.map((x) => `${x.tag}:${x.action}`),
      ['1.0.0:created', '1.0:created', '1:created', 'latest:created'],
    );
    t.ok(first.record, 'a record was written');
    await promote(client, req('app:1.5.0', 'app', { semver: true }), fast);
    const hotfix = await promote(client, req('app:1.4.9', 'app', { semver: true }), fast);
    t.same(
      hotfix.tags.map((x) => `${x.tag}:${x.action}`),
      ['1.4.9:created', '1.4:created', '1:unchanged', 'latest:unchanged'],
    );
    t.match(hotfix.tags[3]!.reason, /higher release/);
    t.same(releaseTags(await tagsOf(dst, 'app')), {
      '1': v150,
      '1.0': v100,
      '1.0.0': v100,
      '1.4': v149,
      '1.4.9': v149,
      '1.5': v150,
      '1.5.0': v150,
      latest: v150,
    });

    const h = await history(client, parseReference(`${dst.host}/app:latest`));
    t.same(
      h.entries.map((e) => [e.action, e.digest, e.previousDigest]),
      [
        ['promote', v150, v100],
        ['promote', v100, null],
      ],
      'history of latest, newest first: the hotfix did not touch it',
    );
    t.equal(h.entries[0]!.source, `${src.host}/app:1.5.0@${v150}`);
  },
);

t.test('an immutable version is refused with exit 3 and no tag or byte moves', async (t) => {
  await stage('imm', '2.0.0');
  await promote(client, req('imm:2.0.0', 'imm', { semver: true }), fast);
  const before = await tagsOf(dst, 'imm');
  const other = await stage('imm-other', '2.0.0');
  await dst.resetRequests();

  const r = await cli.run([
    'promote',
    '--plain-http',
    '--json',
    '--semver',
    `${src.host}/imm-other:2.0.0`,
    '--to',
    `${dst.host}/imm`,
  ]);
  t.equal(r.code, 3, r.stderr);
  t.equal(r.json().error.code, 'ERR_POLICY');
  t.match(r.json().error.message, /2\.0\.0 is immutable.*--allow-overwrite/);
  t.same(await tagsOf(dst, 'imm'), before, 'every tag as it was');
  const writes = (await dst.settledRequests()).filter(
    (e) => e.method !== 'GET' && e.method !== 'HEAD',
  );
  t.same(writes, [], 'nothing at all was written to production');

  const forced = await promote(
    client,
    req('imm-other:2.0.0', 'imm', { semver: true, allowOverwrite: true }),
    fast,
  );
  t.equal(forced.tags.find((x) => x.tag === '2.0.0')?.action, 'moved');
  t.equal(await headManifest(dst, 'imm', '2.0.0'), other);
});

t.test('re-promoting the same digest is a no-op with a constant request count', async (t) => {
  const counts: number[] = [];
  for (const layers of [2, 8]) {
    await stage(`same${layers}`, '3.1.0', { layers: layers });
    await promote(client, req(`same${layers}:3.1.0`, `same${layers}`, { semver: true }), fast);
    await dst.resetRequests();
    await src.resetRequests();
    const again = await promote(
      client,
      req(`same${layers}:3.1.0`, `same${layers}`, { semver: true }),
      fast,
    );
    t.same(
      again.tags.map((x) => x.action),
      ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
    );
    t.equal(again.record, null, 'nothing to record');
    const atDst = (await dst.settledRequests()).length;
    const atSrc = (await src.settledRequests()).length;
    t.comment(
      `re-promotion of a ${layers}-layer image: ${atDst} requests at production, ${atSrc} at staging`,
    );
    counts.push(atDst + atSrc);
  }
  t.equal(counts[0], counts[1], 'independent of the number of layers');
});

t.test('a failure in the middle leaves every tag as it was; a re-run completes', async (t) => {
  await stage('mid', '4.0.0');
  await promote(client, req('mid:4.0.0', 'mid', { semver: true }), fast);
  const before = await tagsOf(dst, 'mid');
  const img = await writeRandomImage(join(work, 'mid-next'), {
    seed: 'mid-next',
    layers: 4,
    layerSize: 3_000,
    tag: '4.1.0',
  });
  await pushLayout(src, img.dir, '4.1.0', 'mid', '4.1.0');
  const gone = img.layers[2]!.digest;
  t.equal((await rawRequest(src, 'DELETE', `/v2/mid/blobs/${gone}`)).status, 202);

  const r = await cli.run([
    'promote',
    '--plain-http',
    '--semver',
    `${src.host}/mid:4.1.0`,
    '--to',
    `${dst.host}/mid`,
  ]);
  t.equal(r.code, 1, 'operational failure');
  t.match(r.stderr, gone);
  t.same(await tagsOf(dst, 'mid'), before, 'no tag moved, none added');
  t.same(
    (await history(client, parseReference(`${dst.host}/mid`))).entries.length,
    4,
    'nothing recorded',
  );

  await pushLayout(src, img.dir, '4.1.0', 'mid', '4.1.0'); // repair the source
  const again = await cli.run([
    'promote',
    '--plain-http',
    '--json',
    '--semver',
    `${src.host}/mid:4.1.0`,
    '--to',
    `${dst.host}/mid`,
  ]);
  t.equal(again.code, 0, again.stderr);
  const blobs = again.json().copy.blobs;
  t.equal(
    blobs.copied + blobs.skipped,
    5,
    'what arrived the first time is skipped, the rest copied',
  );
  t.equal(await headManifest(dst, 'mid', 'latest'), img.digest);
});

t.test('two concurrent promotions to one repository both end up in the ledger', async (t) => {
  const a = await stage('race-a', '5.0.0', { layers: 1 });
  const b = await stage('race-b', '6.0.0', { layers: 1 });
  const [ra, rb] = await Promise.all([
    promote(client, req('race-a:5.0.0', 'race')),
    promote(client, req('race-b:6.0.0', 'race')),
  ]);
  const entries = (await history(client, parseReference(`${dst.host}/race`))).entries;
  t.same(
    entries.map((e) => e.record).sort(),
    [ra.record, rb.record].sort(),
    'both records are listed',
  );
  t.same(new Set(entries.map((e) => e.digest)), new Set([a, b]));
});

t.test('rollback twice walks back through the promotions, and records itself', async (t) => {
  const d1 = await stage('rb', '7.0.0');
  const d2 = await stage('rb', '7.1.0');
  const d3 = await stage('rb', '7.2.0');
  for (const v of ['7.0.0', '7.1.0', '7.2.0'])
    await promote(client, req(`rb:${v}`, 'rb', { semver: true }), fast);
  const latest = parseReference(`${dst.host}/rb:latest`);

  const r1 = await rollback(client, { target: latest }, fast);
  t.same([r1.digest, r1.previousDigest], [d2, d3]);
  t.equal(await headManifest(dst, 'rb', 'latest'), d2);
  const r2 = await cli.run(['rollback', '--plain-http', '--json', `${dst.host}/rb:latest`]);
  t.equal(r2.code, 0, r2.stderr);
  t.same(
    { digest: r2.json().digest, previousDigest: r2.json().previousDigest, tag: r2.json().tag },
    { digest: d1, previousDigest: d2, tag: 'latest' },
  );
  t.equal(await headManifest(dst, 'rb', 'latest'), d1);

  const r3 = await cli.run(['rollback', '--plain-http', `${dst.host}/rb:latest`]);
  t.equal(r3.code, 3, 'nothing before the first promotion');
  t.equal(await headManifest(dst, 'rb', 'latest'), d1);

  const h = (await history(client, latest)).entries;
  t.same(
    h.slice(0, 2).map((e) => [e.action, e.digest, e.previousDigest]),
    [
      ['rollback', d1, d2],
      ['rollback', d2, d3],
    ],
  );
  // The record is a referrer of the image it concerns.
  const inspected = await cli.run(['inspect', '--plain-http', '--json', `${dst.host}/rb@${d1}`]);
  t.ok(
    inspected
      .json()
      .referrers.some((x: { artifactType?: string }) => x.artifactType === RECORD_ARTIFACT_TYPE),
    'history records are referrers of the image',
  );

  t.equal(
    (
      await cli.run([
        'rollback',
        '--plain-http',
        '--to-digest',
        `sha256:${'0'.repeat(64)}`,
        `${dst.host}/rb:latest`,
      ])
    ).code,
    3,
    '--to-digest a digest outside the history is refused',
  );
  // The old name still works, with a notice; both names at once must agree.
  const old = await cli.run([
    'rollback',
    '--plain-http',
    '--to',
    `sha256:${'0'.repeat(64)}`,
    `${dst.host}/rb:latest`,
  ]);
  t.equal(old.code, 3, 'rollback --to still reads the digest');
  t.match(old.stderr, /rollback --to is deprecated: write --to-digest/);
  const both = await cli.run([
    'rollback',
    '--plain-http',
    '--to',
    `sha256:${'0'.repeat(64)}`,
    '--to-digest',
    `sha256:${'1'.repeat(64)}`,
    `${dst.host}/rb:latest`,
  ]);
  t.equal(both.code, 2, `two different digests: usage error (${both.stderr.trim()})`);
  const to = await rollback(client, { target: latest, to: d3 }, fast);
  t.equal(to.digest, d3);
  t.equal(await headManifest(dst, 'rb', 'latest'), d3);
  t.equal(
    (await cli.run(['rollback', '--plain-http', `${dst.host}/rb:7.2.0`])).code,
    3,
    'an immutable version tag is not rolled back without --allow-overwrite',
  );
});

t.test('rollback refuses an image that is no longer complete (exit 4)', async (t) => {
  const old = await stage('rbgone', '8.0.0');
  await stage('rbgone', '8.1.0');
  for (const v of ['8.0.0', '8.1.0'])
    await promote(client, req(`rbgone:${v}`, 'rbgone', { semver: true }), fast);
  const oldManifest = JSON.parse(
    (
      await rawRequest(dst, 'GET', `/v2/rbgone/manifests/${old}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).body.toString(),
  );
  const layer = oldManifest.layers[0].digest;
  t.equal((await rawRequest(dst, 'DELETE', `/v2/rbgone/blobs/${layer}`)).status, 202);
  const before = await headManifest(dst, 'rbgone', 'latest');
  const r = await cli.run(['rollback', '--plain-http', '--json', `${dst.host}/rbgone:latest`]);
  t.equal(r.code, 4, r.stderr);
  t.match(r.json().error.message, layer);
  t.equal(await headManifest(dst, 'rbgone', 'latest'), before, 'tag untouched');
});

t.test('prune keeps N entries per tag and never deletes a live digest', async (t) => {
  const digests: Digest[] = [];
  for (const v of ['9.0.0', '9.1.0', '9.2.0', '9.3.0']) {
    digests.push(await stage('pr', v));
    await promote(client, req(`pr:${v}`, 'pr', { tags: ['latest'] }), fast);
  }
  await rollback(client, { target: parseReference(`${dst.host}/pr:latest`) }, fast); // latest -> 9.2.0
  const target = parseRepository(`${dst.host}/pr`);

  const dry = await prune(client, { target, keep: 2, dryRun: true });
  t.same(dry.removedRecords.length, 3, 'five records, two kept');
  const stillThere = await tagsOf(dst, 'pr');
  const kinds = async () => (await history(client, target)).entries.map((e) => e.action);
  // The rollback held 9.3.0 (written first): evidence is listed with the tag changes, and
  // never pruned.
  t.same(
    await kinds(),
    ['rollback', 'hold', 'promote', 'promote', 'promote', 'promote'],
    'dry run changed nothing',
  );

  const r = await cli.run(['prune', '--plain-http', '--json', '--keep', '2', `${dst.host}/pr`]);
  t.equal(r.code, 0, r.stderr);
  const doc = r.json();
  t.equal(doc.removedRecords.length, 3);
  t.same(doc.deleted.sort(), [digests[0], digests[1]].sort(), 'only images nothing refers to');
  for (const d of doc.deleted) t.equal(await headManifest(dst, 'pr', d), undefined, `${d} deleted`);
  t.equal(await headManifest(dst, 'pr', 'latest'), digests[2], 'the live digest stays');
  t.equal(
    await headManifest(dst, 'pr', digests[3]!),
    digests[3],
    'a digest kept history names stays',
  );
  t.ok(
    await blobExists(
      dst,
      'pr',
      JSON.parse(
        (
          await rawRequest(dst, 'GET', `/v2/pr/manifests/latest`, {
            headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
          })
        ).body.toString(),
      ).layers[0].digest,
    ),
  );
  t.same(await kinds(), ['rollback', 'hold', 'promote'], 'two tag entries and the hold stay');
  t.equal(stillThere.latest, await headManifest(dst, 'pr', 'latest'));
  const verify = await cli.run(['verify', '--plain-http', '--deep', `${dst.host}/pr:latest`]);
  t.equal(verify.code, 0, 'the live image is whole');
});

t.test(
  'gates: --require-referrer refuses without, promotes with (API, fallback or cosign tag)',
  async (t) => {
    const seeded = await seedWithReferrers(src, 'signed');
    await stage('unsigned', '1.0.0');
    const no = await cli.run([
      'promote',
      '--plain-http',
      '--json',
      '--require-referrer',
      'application/spdx+json',
      `${src.host}/unsigned:1.0.0`,
      '--to',
      `${dst.host}/gated`,
    ]);
    t.equal(no.code, 3);
    t.match(no.json().error.message, /application\/spdx\+json/);
    t.same(await listTags(dst, 'gated'), [], 'nothing written');

    const yes = await cli.run([
      'promote',
      '--plain-http',
      '--json',
      '--referrers',
      '--require-referrer',
      'application/spdx+json',
      '--require-referrer',
      'application/vnd.dev.cosign.artifact.sig.v1+json',
      '--tag',
      'prod',
      `${src.host}/signed@${seeded.subject}`,
      '--to',
      `${dst.host}/gated`,
    ]);
    t.equal(yes.code, 0, yes.stderr);
    t.equal(await headManifest(dst, 'gated', 'prod'), seeded.subject);
    t.ok(yes.json().copy.referrers.length >= 2, 'signature and SBOM carried along');
  },
);

t.test('--dry-run plans tags and bytes and writes nothing', async (t) => {
  await stage('dry', '1.2.3', { layers: 3 });
  await dst.resetRequests();
  const r = await cli.run([
    'promote',
    '--plain-http',
    '--json',
    '--dry-run',
    '--semver',
    `${src.host}/dry:1.2.3`,
    '--to',
    `${dst.host}/dry`,
  ]);
  t.equal(r.code, 0, r.stderr);
  const doc = r.json();
  t.equal(doc.dryRun, true);
  t.same(
    doc.tags.map((x: { action: string }) => x.action),
    ['created', 'created', 'created', 'created'],
  );
  t.ok(doc.copy.bytesCopied > 6_000, 'bytes to copy are planned');
  t.equal(doc.record, null);
  const writes = (await dst.settledRequests()).filter(
    (e) => e.method !== 'GET' && e.method !== 'HEAD',
  );
  t.same(writes, []);
});

t.test('prune on a registry that refuses deletion trims history and does not fail', async (t) => {
  const nodelete = await startRegistry(t, {
    configure: (c) => {
      (c.storage as { delete: { enabled: boolean } }).delete.enabled = false;
    },
  });
  const to = (v: string) =>
    req(`nd:${v}`, 'nd', { target: parseRepository(`${nodelete.host}/nd`), tags: ['latest'] });
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
    await stage('nd', v);
    await promote(client, to(v), fast);
  }
  const r = await cli.run([
    'prune',
    '--plain-http',
    '--json',
    '--keep',
    '1',
    `${nodelete.host}/nd`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().removedRecords.length, 2);
  t.same(r.json().deleted, []);
  t.match(r.json().deletionSkipped, /does not allow deleting manifests \(405\)/);
  t.equal(
    (await history(client, parseRepository(`${nodelete.host}/nd`))).entries.length,
    1,
    'ledger trimmed',
  );
});
