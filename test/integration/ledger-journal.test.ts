// The ledger as a journal (docs/promotion.md, "The ledger" and "Concurrent writers"): each
// record is stored under a tag of its own, so concurrent writers never overwrite one
// another's; the ledger index is a cache any reader rebuilds from those tags. Real
// registries; a fault proxy makes the registry slow or refuse deletion.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  attest,
  createClient,
  type Digest,
  freeze,
  history,
  hold,
  type PromoteRequest,
  parseReference,
  parseRepository,
  promote,
  prune,
  RECORD_ARTIFACT_TYPE,
  rollback,
  unfreeze,
} from '../../lib/index.js';
import { OCI_INDEX } from '../../lib/media-types.js';
import { LEDGER_TAG } from '../../lib/promote/ledger.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry } from '../helpers/registry.js';
import { stager } from '../helpers/seed.js';

const [src, dst] = await Promise.all([startRegistry(t), startRegistry(t)]);
const client = createClient({ plainHttp: true });
t.teardown(() => client.close());
const work = await mkdtemp(join(tmpdir(), 'oci-promote-ledger-journal-test-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
// The production side is reached through a proxy, to slow or refuse requests on demand.
const proxy = await startFaultProxy(t, dst, { seed: 9 });

const stage = stager(src, work, 'ledger-journal', { layerSize: 500 });

const req = (source: string, target: string, tags: string[]): PromoteRequest => ({
  source: parseReference(`${src.host}/${source}`),
  target: parseRepository(`${proxy.host}/${target}`),
  tags,
});
const prodTag = (repo: string, tag: string) => parseReference(`${proxy.host}/${repo}:${tag}`);

/** recordsIn lists the records `history` shows for a repository. */
async function recordsIn(repo: string): Promise<Set<string>> {
  const h = await history(client, parseRepository(`${proxy.host}/${repo}`));
  return new Set(h.entries.map((e) => e.record));
}

t.test(
  '8 parallel writers of mixed kinds (promotions, rollbacks, attest, hold, freeze), several rounds: no record missing',
  async (t) => {
    const repo = 'many';
    const images: Digest[] = [];
    for (let i = 0; i < 4; i++) images.push(await stage('many-src', `v${i}`));
    // Two tags to roll back, each with two digests in its history.
    for (const tag of ['rb0', 'rb1']) {
      await promote(client, req('many-src:v0', repo, [tag]));
      await promote(client, req('many-src:v1', repo, [tag]));
    }
    // A registry whose ledger reads are slow: a writer's read of the ledger is older than
    // its pause by the time it writes (any design that re-reads after a pause loses here).
    proxy.addRule({
      name: 'slow ledger read',
      method: 'GET',
      path: /\/manifests\/oci-promote-history$/,
      action: { type: 'slow', afterBytes: 10, stallMs: 300, chunkBytes: 4096 },
    });
    t.teardown(() => proxy.clearRules());
    const target = parseRepository(`${proxy.host}/${repo}`);
    const at = (d: Digest) => ({ ...target, digest: d });

    const written: string[] = [];
    const failed: string[] = [];
    const record = (r: { record: string | null }) => r.record;
    for (let round = 0; round < 3; round++) {
      const writers: Array<Promise<Array<string | null>>> = [];
      for (let w = 0; w < 4; w++) {
        const image = `v${(w + round) % images.length}`;
        // Rollbacks hold digests and a round freezes the repository: these go through anyway.
        const gated = { allowHeld: 'ledger test', overrideFreeze: 'ledger test' };
        writers.push(
          promote(client, { ...req(`many-src:${image}`, repo, [`w${w}`]), ...gated }).then((r) => [
            r.record,
          ]),
        );
      }
      for (const [i, tag] of ['rb0', 'rb1'].entries()) {
        const to = images[(round + i) % 2 === 0 ? 0 : 1]!;
        writers.push(
          rollback(client, { target: prodTag(repo, tag), to }).then((r) => [r.record, r.hold]),
        );
      }
      const image = at(images[round % 2]!);
      writers.push(
        attest(client, { image, stage: 'qa', result: round === 1 ? 'failed' : 'passed' }).then(
          (r) => [r.record],
        ),
      );
      const reason = `round ${round}`;
      const evidence = [
        () => hold(client, { target: at(images[3]!), reason }),
        () => freeze(client, { target, reason, until: new Date(Date.now() + 3_600_000) }),
        () => unfreeze(client, { target, reason }),
      ][round]!;
      writers.push(evidence().then((r) => [record(r)]));
      for (const r of await Promise.allSettled(writers)) {
        if (r.status === 'rejected') failed.push(String(r.reason));
        else written.push(...r.value.filter((d): d is string => d !== null));
      }
    }
    t.same(failed, [], 'every writer succeeds');
    // Each round: 4 promotions moving a tag; each rollback moving its tag (but rb1's first)
    // writes a rollback and a hold; one attest; one hold, freeze or unfreeze.
    t.equal(written.length, 3 * 4 + 5 * 2 + 3 + 3, 'every writer wrote its records');
    const listed = await recordsIn(repo);
    t.same(
      written.filter((d) => !listed.has(d)),
      [],
      'every record written is listed by history',
    );
  },
);

/** cacheOf reads the ledger index's bytes as stored. */
async function cacheOf(repo: string): Promise<Buffer> {
  const r = client.repository(parseRepository(`${dst.host}/${repo}`));
  return (await r.manifests.get(LEDGER_TAG)).bytes;
}
/** restoreCache puts older ledger index bytes back: a cache write that was lost. */
async function restoreCache(repo: string, bytes: Buffer): Promise<void> {
  const r = client.repository(parseRepository(`${dst.host}/${repo}`));
  await r.manifests.put(LEDGER_TAG, bytes, OCI_INDEX);
}
/** cachedRecords lists the records the ledger index itself lists. */
async function cachedRecords(repo: string): Promise<string[]> {
  const index = JSON.parse((await cacheOf(repo)).toString()) as {
    manifests: Array<{ digest: string; artifactType?: string }>;
  };
  return index.manifests
    .filter((d) => d.artifactType === RECORD_ARTIFACT_TYPE)
    .map((d) => d.digest)
    .sort();
}

t.test('a lost cache write loses no record, and the next append repairs the cache', async (t) => {
  const repo = 'lost';
  const records: string[] = [];
  let older: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 4; i++) {
    await stage('lost-src', `v${i}`);
    if (i === 2) older = await cacheOf(repo);
    records.push((await promote(client, req(`lost-src:v${i}`, repo, ['latest']))).record!);
  }
  // Another writer's stale cache lands last: it lists the first two records only.
  await restoreCache(repo, older);
  t.equal((await cachedRecords(repo)).length, 2, 'the cache lost two records');
  t.same([...(await recordsIn(repo))].sort(), [...records].sort(), 'history lists all four');

  await stage('lost-src', 'v4');
  records.push((await promote(client, req('lost-src:v4', repo, ['latest']))).record!);
  t.same(await cachedRecords(repo), [...records].sort(), 'the next append wrote them all back');
  const h = await history(client, parseRepository(`${proxy.host}/${repo}`));
  t.same(
    h.entries.map((e) => e.record),
    [...records].reverse(),
    'newest first, in the order they were written',
  );
});

t.test('pruned records do not come back, also where deletion is refused', async (t) => {
  for (const refused of [false, true]) {
    const repo = refused ? 'pruned-405' : 'pruned';
    for (let i = 0; i < 4; i++) {
      await stage(`${repo}-src`, `v${i}`);
      await promote(client, req(`${repo}-src:v${i}`, repo, ['latest']));
    }
    const before = await cacheOf(repo);
    if (refused) {
      proxy.addRule({
        name: 'no deletes',
        method: 'DELETE',
        action: {
          type: 'status',
          status: 405,
          body: { errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] },
        },
      });
    }
    const pruned = await prune(client, {
      target: parseRepository(`${proxy.host}/${repo}`),
      keep: 1,
    });
    proxy.clearRules();
    t.equal(pruned.removedRecords.length, 3, `${repo}: three records dropped`);
    t.equal(pruned.deletionSkipped !== null, refused, `${repo}: deletion refused or not`);
    const kept = await recordsIn(repo);
    t.equal(kept.size, 1, `${repo}: history keeps one record`);
    t.notOk(
      pruned.removedRecords.some((d) => kept.has(d)),
      `${repo}: none dropped is listed`,
    );

    if (refused) {
      // Nothing was deleted, so a stale cache from before the prune can land.
      await restoreCache(repo, before);
      const again = await recordsIn(repo);
      t.same([...again], [...kept], `${repo}: a stale cache does not bring them back`);
    }
    await stage(`${repo}-src`, 'v4');
    const next = await promote(client, req(`${repo}-src:v4`, repo, ['latest']));
    const after = await recordsIn(repo);
    t.same([...after].sort(), [...kept, next.record!].sort(), `${repo}: the next append adds one`);
    t.notOk(
      pruned.removedRecords.some((d) => after.has(d)),
      `${repo}: still none dropped`,
    );
  }
});

t.test('an uncontended promotion: its ledger step is four requests, no re-read', async (t) => {
  const repo = 'count';
  for (const v of ['a', 'b', 'c']) await stage('count-src', v);
  const ledgerRequests = async (source: string) => {
    await proxy.settle();
    proxy.clearRecords();
    await promote(client, req(source, repo, ['prod']));
    await proxy.settle();
    return proxy.requests
      .filter((r) => /\/manifests\/oci-promote-history|\/tags\/list/.test(r.path))
      .map(
        (r) =>
          `${r.method} ${r.path.replace(/history\.\d{8}T\d{9}Z\.[0-9a-f]{16}$/, 'history.<journal>')}`,
      )
      .sort();
  };
  // The first record is its own ledger: no cache is written for it.
  t.same(await ledgerRequests('count-src:a'), [
    `GET /v2/${repo}/tags/list`,
    `PUT /v2/${repo}/manifests/oci-promote-history.<journal>`,
  ]);
  // The second reads the first by its journal tag and writes the cache with both.
  t.same(await ledgerRequests('count-src:b'), [
    `GET /v2/${repo}/manifests/oci-promote-history.<journal>`,
    `GET /v2/${repo}/tags/list`,
    `PUT /v2/${repo}/manifests/oci-promote-history`,
    `PUT /v2/${repo}/manifests/oci-promote-history.<journal>`,
  ]);
  const cache = await client
    .repository(parseReference(`${proxy.host}/${repo}`))
    .manifests.get(LEDGER_TAG);
  t.equal(
    cache.manifest.kind === 'index' && cache.manifest.manifests.length,
    2,
    'the cache lists both',
  );
  // From then on: the cache and the tag list read, the record and the cache written.
  t.same(await ledgerRequests('count-src:c'), [
    `GET /v2/${repo}/manifests/oci-promote-history`,
    `GET /v2/${repo}/tags/list`,
    `PUT /v2/${repo}/manifests/oci-promote-history`,
    `PUT /v2/${repo}/manifests/oci-promote-history.<journal>`,
  ]);
});
