import t from 'tap';
import type { Digest } from '../digest.js';
import type { FetchedManifest } from '../registry/manifests.js';
import type { Repository } from '../registry/repository.js';
import { settleTags } from './settle.js';

const ours = `sha256:${'a'.repeat(64)}` as Digest;
const theirs = `sha256:${'b'.repeat(64)}` as Digest;
const manifest = {
  descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: ours, size: 2 },
  bytes: Buffer.from('{}'),
  manifest: {},
} as unknown as FetchedManifest;

/** A repository whose tags are a map; `heads` records when each HEAD was sent. */
function fakeRepo(tags: Map<string, Digest>) {
  const heads: Array<{ tag: string; at: number }> = [];
  const repo = {
    manifests: {
      head: async (tag: string) => {
        heads.push({ tag, at: performance.now() });
        const digest = tags.get(tag);
        return digest ? { digest } : undefined;
      },
    },
    listTags: async () => [...tags.keys()],
  } as unknown as Repository;
  return { repo, heads };
}

t.test('settleTags: a created immutable tag is read back only after its wait', async (t) => {
  for (const sinceLanded of [0, 15, 500]) {
    const { repo, heads } = fakeRepo(new Map([['1.2.3', ours]]));
    const landedAt = performance.now() - sinceLanded;
    const out = await settleTags(repo, {
      manifest,
      written: [{ tag: '1.2.3', previousDigest: null, immutable: true }],
      checkToPutMs: 10,
      landedAt,
    });
    // Three times the re-check-and-PUT, at least 20 ms, counted from when the PUT landed.
    t.ok(
      heads[0]!.at - landedAt >= 30,
      `${sinceLanded} ms since the PUT: read back ≥ 30 ms after it`,
    );
    t.same(out.lost, []);
  }
});

t.test('settleTags: a racer found on the immutable tag is reported lost', async (t) => {
  const { repo } = fakeRepo(new Map([['1.2.3', theirs]]));
  const out = await settleTags(repo, {
    manifest,
    written: [{ tag: '1.2.3', previousDigest: null, immutable: true }],
    checkToPutMs: 1,
    landedAt: performance.now(),
  });
  t.same(out.lost, [{ tag: '1.2.3', ours, theirs }]);
});
