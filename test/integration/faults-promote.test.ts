// A promotion that fails at any step leaves the production tags as they were (for every
// step before the tags), and running it again completes and writes the history entry.
// The proxy in front of the production registry fails, one kind at a time, each request
// of a promotion: a blob upload, the manifest PUT, the tag PUTs, the history record's
// push, and the ledger write.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  createClient,
  type Digest,
  history,
  type PromoteRequest,
  parseReference,
  parseRepository,
  promote,
} from '../../lib/index.js';
import { type FaultRule, type ProxyRequestInfo, startFaultProxy } from '../helpers/fault-proxy.js';
import { writeRandomImage } from '../helpers/random.js';
import { headManifest, listTags, pushLayout } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client: direct, work } = await twoRegistries(t, 'faults-promote');
const dstProxy = await startFaultProxy(t, dst, { seed: 5 });
const options = {};

async function stage(tag: string): Promise<Digest> {
  const img = await writeRandomImage(join(work, tag), {
    seed: `faults-promote-${tag}`,
    layers: 2,
    layerSize: 50_000,
    tag,
  });
  await pushLayout(src, img.dir, tag, 'staging/app', tag);
  return img.digest as Digest;
}
const v1 = await stage('1.0.0');
const v2 = await stage('1.1.0');

const request = (host: string, repo: string, tag: string): PromoteRequest => ({
  source: parseReference(`${src.host}/staging/app:${tag}`),
  target: parseRepository(`${host}/${repo}`),
  semver: true,
});

/** Every tag of a production repository and where it points. */
async function tagsOf(repo: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const tag of (await listTags(dst, repo)).sort())
    out[tag] = await headManifest(dst, repo, tag);
  return out;
}

const fail = (status: number, code: string) =>
  ({
    type: 'status',
    status,
    body: { errors: [{ code, message: `injected ${status}` }] },
  }) as const;
const isManifestPut = (r: ProxyRequestInfo) => r.method === 'PUT' && /\/manifests\//.test(r.path);
const tagOf = (r: ProxyRequestInfo) => r.path.slice(r.path.lastIndexOf('/') + 1);

interface Step {
  name: string;
  /** The first step that runs after the tags were written. */
  afterTags: boolean;
  /** Only the ledger index (a cache) fails: the promotion succeeds. */
  cacheOnly?: boolean;
  rule: FaultRule;
}
const steps: Step[] = [
  {
    name: 'blob upload',
    afterTags: false,
    // Not retryable (a token without push rights would do this), so the copy stops here.
    rule: { method: 'PUT', path: /\/blobs\/uploads\//, action: fail(403, 'DENIED') },
  },
  {
    name: 'manifest PUT',
    afterTags: false,
    rule: {
      // The image manifest goes up with the first tag written (lib/copy/copy.ts leaveRoot),
      // or by digest when no tag is to be written.
      when: (r) => isManifestPut(r) && (tagOf(r) === v2 || tagOf(r) === '1.1.0'),
      action: fail(503, 'UNAVAILABLE'),
    },
  },
  {
    name: 'tag PUT',
    afterTags: false,
    // Every tag write is cut: the first one fails and no tag moves.
    rule: {
      when: (r) => isManifestPut(r) && !tagOf(r).startsWith('sha256:'),
      action: { type: 'reset', side: 'request' },
    },
  },
  {
    name: 'record push',
    afterTags: true,
    rule: {
      // A record is pushed under its journal tag (docs/promotion.md, "The ledger").
      when: (r) => isManifestPut(r) && tagOf(r).startsWith('oci-promote-history.'),
      action: fail(500, 'UNKNOWN'),
    },
  },
  {
    name: 'ledger write',
    afterTags: true,
    cacheOnly: true,
    rule: {
      when: (r) => isManifestPut(r) && tagOf(r) === 'oci-promote-history',
      action: fail(502, 'UNAVAILABLE'),
    },
  },
];

for (const step of steps) {
  t.test(
    `the ${step.name} fails: ${step.cacheOnly ? 'the promotion is whole, its record in the journal' : step.afterTags ? 'tags moved, history completed by the re-run' : 'tags unchanged'}; a re-run completes`,
    async (t: Test) => {
      const repo = `prod/${step.name.replace(/ /g, '-').toLowerCase()}`;
      await promote(direct, request(dst.host, repo, '1.0.0'), options);
      const before = await tagsOf(repo);
      t.same(
        Object.keys(before).filter((k) => /^[\d.]+$|^latest$/.test(k)),
        ['1', '1.0', '1.0.0', 'latest'],
      );
      const historyBefore = (await history(direct, parseRepository(`${dst.host}/${repo}`))).entries;

      dstProxy.clearRules();
      dstProxy.clearRecords();
      dstProxy.addRule(step.rule);
      const client = createClient({
        plainHttp: true,
        retry: { retries: 1, minDelay: 1, maxDelay: 2 },
      });
      t.teardown(() => client.close());
      const attempt = promote(client, request(dstProxy.host, repo, '1.1.0'), options);
      if (step.cacheOnly) {
        // The record is in the journal before the cache write: the promotion is whole.
        t.ok((await attempt).record, 'a failed cache write does not fail the promotion');
      } else await t.rejects(attempt, 'the promotion fails');
      await dstProxy.settle();
      t.ok(dstProxy.injected.length >= 1, `the ${step.name} was failed by the proxy`);

      const after = await tagsOf(repo);
      if (!step.afterTags) {
        t.same(after, before, 'every production tag is exactly as it was');
        t.same(
          (await history(direct, parseRepository(`${dst.host}/${repo}`))).entries,
          historyBefore,
          'and so is the history',
        );
      } else {
        t.match(
          after,
          { '1.1.0': v2, '1.1': v2, '1': v2, latest: v2, '1.0.0': v1 },
          'the tags had been written',
        );
      }

      dstProxy.clearRules();
      const again = await promote(client, request(dstProxy.host, repo, '1.1.0'), options);
      t.equal(again.digest, v2);
      if (step.name === 'ledger write') {
        // The record was in the journal before the ledger (a cache) failed: nothing to add.
        t.equal(again.record, null, 'the record written before the failure is not repeated');
      } else t.ok(again.record, 're-run wrote a history record');
      t.match(await tagsOf(repo), { '1.1.0': v2, '1.1': v2, '1': v2, latest: v2, '1.0.0': v1 });
      const entries = (await history(direct, parseRepository(`${dst.host}/${repo}`))).entries;
      for (const tag of ['1.1.0', '1.1', '1', 'latest']) {
        t.ok(
          entries.some((e) => e.tag === tag && e.digest === v2 && e.action === 'promote'),
          `history has ${tag} → 1.1.0`,
        );
      }
      t.equal(
        entries.filter((e) => e.digest === v2 && e.tag === '1.1.0').length,
        1,
        'one entry, not two',
      );
    },
  );
}

t.test('a tag write failing half way through the tags: the re-run completes the set', async (t) => {
  const repo = 'prod/half';
  await promote(direct, request(dst.host, repo, '1.0.0'), options);
  dstProxy.clearRules();
  dstProxy.clearRecords();
  // `latest` is written last or beside the other floating tags: `1` moves before it fails.
  dstProxy.addRule({
    name: 'latest',
    when: (r) => isManifestPut(r) && tagOf(r) === 'latest',
    action: fail(403, 'DENIED'),
  });
  const client = createClient({ plainHttp: true, retry: { retries: 1, minDelay: 1, maxDelay: 2 } });
  t.teardown(() => client.close());
  const before = await tagsOf(repo);
  await t.rejects(promote(client, request(dstProxy.host, repo, '1.1.0'), options));
  const half = await tagsOf(repo);
  // Registries have no multi-tag transaction: the tags the promotion moved before the
  // failure are put back; those it created cannot be removed portably and stay
  // (docs/faults.md). What matters then is that a re-run finishes the job.
  for (const [tag, digest] of Object.entries(before)) {
    if (!tag.startsWith('oci-')) t.equal(half[tag], digest, `${tag} is as it was`);
  }
  t.equal(half['1.1.0'], v2, 'the version tag, created first, stays');
  dstProxy.clearRules();
  await promote(client, request(dstProxy.host, repo, '1.1.0'), options);
  t.match(await tagsOf(repo), { '1.1.0': v2, '1.1': v2, '1': v2, latest: v2, '1.0.0': v1 });
  const entries = (await history(direct, parseRepository(`${dst.host}/${repo}`))).entries;
  t.ok(entries.some((e) => e.tag === '1.1.0' && e.digest === v2));
});

t.test(
  'a record PUT answered with distribution blob-link race codes is pushed again',
  async (t) => {
    // Writers linking the same blob into one repository at once make distribution answer a
    // manifest PUT 400 MANIFEST_BLOB_UNKNOWN / DIGEST_INVALID for a moment (lib/promote/record.ts).
    const repo = 'prod/blob-race';
    dstProxy.clearRules();
    dstProxy.clearRecords();
    dstProxy.addRule({
      name: 'blob link race',
      when: (r) => isManifestPut(r) && tagOf(r).startsWith('oci-promote-history.'),
      times: 2,
      action: {
        type: 'status',
        status: 400,
        body: {
          errors: [
            { code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' },
            { code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry' },
          ],
        },
      },
    });
    const client = createClient({
      plainHttp: true,
      retry: { retries: 1, minDelay: 1, maxDelay: 2 },
    });
    t.teardown(() => client.close());
    const result = await promote(client, request(dstProxy.host, repo, '1.0.0'), options);
    await dstProxy.settle();
    t.equal(dstProxy.injected.length, 2, 'the record PUT was refused twice');
    t.ok(result.record, 'and the third attempt stored the record');
    const entries = (await history(direct, parseRepository(`${dst.host}/${repo}`))).entries;
    t.ok(
      entries.some((e) => e.tag === '1.0.0' && e.digest === v1),
      'history lists the promotion',
    );
  },
);
