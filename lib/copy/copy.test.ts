// The copy engine's logic on the in-memory backend (lib/content/memory.ts), in
// milliseconds: each digest once, children before parents, no tag written, the whole graph
// stopped on the first failure with its clean-up awaited, skip / mount / stream, a retry
// that first checks whether the last attempt landed, platform filtering, referrers.
// The same engine against real registries: test/integration/copy.test.ts.
import type { Readable } from 'node:stream';
import t from 'tap';
import { MemoryHost, type MemoryStore, memoryStore } from '../content/memory.js';
import { cosignTags, referrersTag } from '../content/referrers.js';
import { type Digest, digestOf } from '../digest.js';
import { IntegrityError, NetworkError, UsageError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { OCI_INDEX, OCI_LAYER, OCI_MANIFEST } from '../media-types.js';
import { parsePlatform } from '../platform.js';
import { type CopyOptions, copyGraph, type GraphTarget } from './copy.js';
import type { CopyEvent } from './events.js';
import { copyStores } from './index.js';

const CONFIG = 'application/vnd.oci.image.config.v1+json';
const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const fast = { retries: 2, minDelay: 0, maxDelay: 0 };

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

async function blob(store: MemoryStore, text: string, mediaType = OCI_LAYER): Promise<Descriptor> {
  const bytes = Buffer.from(text);
  const desc = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
  await store.blobs.upload(desc, bytes);
  return desc;
}

async function manifest(store: MemoryStore, body: object, tag?: string): Promise<Descriptor> {
  const bytes = json(body);
  const mediaType = (body as { mediaType: string }).mediaType;
  const { digest } = await store.manifests.put(tag ?? digestOf(bytes), bytes, mediaType);
  return { mediaType, digest, size: bytes.byteLength };
}

/** image stores a one-layer-plus-shared-layer image for `arch`. */
async function image(store: MemoryStore, arch: string, shared: Descriptor): Promise<Descriptor> {
  const config = await blob(store, `{"architecture":"${arch}","os":"linux"}`, CONFIG);
  const own = await blob(store, `layer of ${arch}`);
  return manifest(store, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: [shared, own],
  });
}

/** multiArch stores an index of an amd64 and an arm64 image sharing one layer. */
async function multiArch(store: MemoryStore) {
  const shared = await blob(store, 'the shared base layer');
  const amd64 = await image(store, 'amd64', shared);
  const arm64 = await image(store, 'arm64', shared);
  const index = await manifest(
    store,
    {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    },
    'v1',
  );
  return { shared, amd64, arm64, index };
}

/** journal records the reads and writes of a store, in order, without changing them. */
function journal(store: MemoryStore, side: string, log: string[]): void {
  const { blobs, manifests } = store;
  const get = blobs.get.bind(blobs);
  blobs.get = (d, s, p) => {
    log.push(`${side} get ${d.digest}`);
    return get(d, s, p);
  };
  const upload = blobs.upload.bind(blobs);
  blobs.upload = async (d, body, s) => {
    await upload(d, body, s);
    log.push(`${side} upload ${d.digest}`);
  };
  const mount = blobs.mount.bind(blobs);
  blobs.mount = async (d, from, source, o) => {
    const how = await mount(d, from, source, o);
    // A refused mount uploads through blobs.upload, which logs itself.
    if (how === 'mounted') log.push(`${side} mount ${d.digest}`);
    return how;
  };
  const put = manifests.put.bind(manifests);
  manifests.put = async (ref, bytes, type, s) => {
    const r = await put(ref, bytes, type, s);
    log.push(`${side} put ${ref}`);
    return r;
  };
}

async function copyRoot(
  src: MemoryStore,
  ref: string,
  dst: MemoryStore,
  options: CopyOptions = {},
) {
  return copyGraph(src, await src.manifests.get(ref), dst, options);
}

t.test(
  'an index is copied by digest: each digest once, children before parents, no tag',
  async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod');
    const { shared, amd64, arm64, index } = await multiArch(src);
    const log: string[] = [];
    journal(src, 'src', log);
    journal(dst, 'dst', log);

    const result = await copyRoot(src, 'v1', dst);
    t.equal(result.digest, index.digest);
    t.same(result.manifests, { copied: 3, skipped: 0 });
    t.same(
      result.blobs,
      { copied: 5, mounted: 0, skipped: 0 },
      'two configs, two layers, one shared',
    );
    t.equal(
      log.filter((l) => l === `src get ${shared.digest}`).length,
      1,
      'the shared layer is read once',
    );
    t.equal(log.filter((l) => l.startsWith('dst upload')).length, 5, 'each blob is written once');
    t.same(await dst.listTags(), [], 'no tag is written');

    const at = (entry: string) => log.indexOf(entry);
    for (const child of [amd64, arm64]) {
      t.ok(
        at(`dst put ${child.digest}`) > at(`dst upload ${shared.digest}`),
        'layers before image',
      );
      t.ok(at(`dst put ${index.digest}`) > at(`dst put ${child.digest}`), 'images before index');
    }
    t.equal(log.at(-1), `dst put ${index.digest}`, 'the root is written last');

    // Copied again: the destination has the root, so the whole graph is skipped at once.
    log.length = 0;
    const again = await copyRoot(src, 'v1', dst);
    t.same(again.manifests, { copied: 0, skipped: 1 });
    t.same(again.blobs, { copied: 0, mounted: 0, skipped: 0 });
    t.same(log, [], 'nothing read, nothing written');
  },
);

t.test('copyStores writes the destination tag last, once everything is in place', async (t) => {
  const src = memoryStore('staging');
  const dst = memoryStore('prod');
  const { index } = await multiArch(src);
  const log: string[] = [];
  journal(dst, 'dst', log);
  const result = await copyStores({ store: src, tag: 'v1' }, { store: dst, tag: 'stable' });
  t.same(result.tag, { tag: 'stable', action: 'created', previousDigest: null });
  t.equal(log.at(-1), 'dst put stable');
  t.equal((await dst.manifests.head('stable'))?.digest, index.digest);
});

t.test('skip, mount or stream: what each blob costs', async (t) => {
  t.test('another host: what the destination has is skipped, the rest streamed', async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod');
    const { shared } = await multiArch(src);
    await dst.blobs.upload(shared, Buffer.from('the shared base layer'));
    const result = await copyRoot(src, 'v1', dst);
    t.same(result.blobs, { copied: 4, mounted: 0, skipped: 1 });
    t.ok(result.bytesCopied > 0);
  });

  t.test('the same host: blobs are mounted, never read', async (t) => {
    const host = new MemoryHost('registry.test');
    const src = host.repository('staging');
    const dst = host.repository('prod');
    await multiArch(src);
    const log: string[] = [];
    journal(src, 'src', log);
    const events: CopyEvent[] = [];
    const result = await copyRoot(src, 'v1', dst, { onEvent: (e) => events.push(e) });
    t.same(result.blobs, { copied: 0, mounted: 5, skipped: 0 });
    t.equal(result.bytesCopied, 0);
    t.same(
      log.filter((l) => l.startsWith('src get')),
      [],
      'no blob read from the source',
    );
    t.notOk(
      events.some((e) => e.type === 'blob-start'),
      'a mount is no transfer',
    );
  });

  t.test('a refused mount uploads the blob itself', async (t) => {
    // Same registry name, but the source repository is not on the destination's host.
    const src = new MemoryHost('registry.test').repository('staging');
    const dst = new MemoryHost('registry.test').repository('prod');
    await multiArch(src);
    const result = await copyRoot(src, 'v1', dst);
    t.same(result.blobs, { copied: 5, mounted: 0, skipped: 0 });
    t.ok(await dst.manifests.head(result.digest));
  });

  t.test('the same repository: nothing to do for blobs', async (t) => {
    const src = memoryStore('app');
    await multiArch(src);
    const result = await copyRoot(src, 'v1', src);
    t.same(result.manifests, { copied: 0, skipped: 1 });
  });

  t.test('a dry run reads and checks, and writes nothing', async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod');
    await multiArch(src);
    const result = await copyRoot(src, 'v1', dst, { dryRun: true });
    t.same(result.manifests, { copied: 3, skipped: 0 });
    t.same(result.blobs, { copied: 5, mounted: 0, skipped: 0 });
    t.same(dst.manifests.all(), []);
    t.equal(await dst.blobs.stat(result.digest), undefined);
  });
});

t.test('the first failure stops the whole graph, and clean-up is awaited', async (t) => {
  const src = memoryStore('staging');
  const dst = memoryStore('prod');
  const { shared } = await multiArch(src);
  let cleaned = false;
  let started = 0;
  const upload = dst.blobs.upload.bind(dst.blobs);
  dst.blobs.upload = async (
    desc: Descriptor,
    body: Readable | Uint8Array,
    signal?: AbortSignal,
  ) => {
    started++;
    if (desc.digest === shared.digest) {
      // Fails once the others are under way.
      await new Promise((r) => setTimeout(r, 5));
      throw new IntegrityError('the shared layer is damaged');
    }
    // The others wait for the abort, then take a while to clean up.
    await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
    await new Promise((r) => setTimeout(r, 20));
    cleaned = true;
    return upload(desc, body);
  };
  await t.rejects(copyRoot(src, 'v1', dst, { jobs: 8 }), {
    message: 'the shared layer is damaged',
  });
  t.ok(started > 1, 'other transfers were under way');
  t.ok(cleaned, 'their clean-up finished before the failure was reported');
  t.same(dst.manifests.all(), [], 'no manifest was written');
});

t.test('a retry first checks whether the last attempt landed', async (t) => {
  const reset = () =>
    new NetworkError('connection reset', 'PUT', 'memory', {
      cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    });

  t.test('the blob got in, only the answer was lost: no second upload', async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod');
    const config = await blob(src, '{}', CONFIG);
    await manifest(src, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }, 'v1');
    let uploads = 0;
    const upload = dst.blobs.upload.bind(dst.blobs);
    dst.blobs.upload = async (desc, body, signal) => {
      uploads++;
      await upload(desc, body, signal);
      throw reset();
    };
    const events: CopyEvent[] = [];
    const result = await copyRoot(src, 'v1', dst, { retry: fast, onEvent: (e) => events.push(e) });
    t.equal(uploads, 1, 'uploaded once');
    t.same(result.blobs, { copied: 1, mounted: 0, skipped: 0 });
    t.equal(events.filter((e) => e.type === 'retry').length, 1, 'one retry reported');
  });

  t.test('the attempt stored nothing: the blob is uploaded again', async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod');
    const config = await blob(src, '{}', CONFIG);
    await manifest(src, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }, 'v1');
    let uploads = 0;
    const upload = dst.blobs.upload.bind(dst.blobs);
    dst.blobs.upload = async (desc, body, signal) => {
      if (++uploads === 1) {
        (body as Readable).destroy?.();
        throw reset();
      }
      return upload(desc, body, signal);
    };
    const result = await copyRoot(src, 'v1', dst, { retry: fast });
    t.equal(uploads, 2);
    t.same(result.blobs, { copied: 1, mounted: 0, skipped: 0 });
  });

  t.test('a failure that is not transient is not retried', async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod');
    const config = await blob(src, '{}', CONFIG);
    await manifest(src, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }, 'v1');
    let uploads = 0;
    dst.blobs.upload = async () => {
      uploads++;
      throw new IntegrityError('bad bytes');
    };
    await t.rejects(copyRoot(src, 'v1', dst, { retry: fast }), IntegrityError);
    t.equal(uploads, 1);
  });
});

t.test('a platform filter copies the matching images under a new index', async (t) => {
  const src = memoryStore('staging');
  const dst = memoryStore('prod');
  const { amd64, arm64, index } = await multiArch(src);
  const result = await copyRoot(src, 'v1', dst, { platforms: [parsePlatform('linux/arm64')] });
  t.equal(result.filteredFrom, index.digest);
  t.not(result.digest, index.digest, 'the filtered index has a digest of its own');
  t.ok(await dst.manifests.head(arm64.digest));
  t.equal(await dst.manifests.head(amd64.digest), undefined, 'amd64 is left behind');
  const written = await dst.manifests.get(result.digest);
  t.same(written.manifest.kind === 'index' && written.manifest.manifests.map((m) => m.digest), [
    arm64.digest,
  ]);
  await t.rejects(
    copyRoot(src, 'v1', dst, { platforms: [parsePlatform('linux/s390x')] }),
    UsageError,
    'no match is a usage error',
  );
  await t.rejects(
    copyRoot(src, amd64.digest, dst, { platforms: [parsePlatform('linux/amd64')] }),
    UsageError,
    'a single image cannot be filtered',
  );
});

t.test('referrers travel with their subject: API, tag schema and cosign tags', async (t) => {
  async function signed(src: MemoryStore) {
    const { index, arm64 } = await multiArch(src);
    const empty = await blob(src, '{}', 'application/vnd.oci.empty.v1+json');
    const sigLayer = await blob(src, 'signature of the index');
    const sig = await manifest(src, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: SIGNATURE,
      config: empty,
      layers: [sigLayer],
      subject: index,
    });
    // An SBOM of one child, found by walking the graph.
    const sbomLayer = await blob(src, 'sbom of arm64');
    const sbom = await manifest(src, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/spdx+json',
      config: empty,
      layers: [sbomLayer],
      subject: arm64,
    });
    // cosign's own style: a tag next to the subject.
    const cosignLayer = await blob(src, 'cosign signature');
    const cosign = await manifest(
      src,
      { schemaVersion: 2, mediaType: OCI_MANIFEST, config: empty, layers: [cosignLayer] },
      cosignTags(index.digest)[0],
    );
    return { index, arm64, sig, sbom, cosign };
  }

  t.test('into a store with the referrers API', async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod');
    const { index, arm64, sig, sbom, cosign } = await signed(src);
    const plain = await copyRoot(src, 'v1', memoryStore('other'));
    t.same(plain.referrers, [], 'not without the option');

    const result = await copyRoot(src, 'v1', dst, { referrers: true });
    const byDigest = (d: Digest) => result.referrers.find((r) => r.digest === d);
    t.match(byDigest(sig.digest), {
      subject: index.digest,
      artifactType: SIGNATURE,
      action: 'copied',
    });
    t.match(byDigest(sbom.digest), { subject: arm64.digest, action: 'copied' });
    t.match(byDigest(cosign.digest), { subject: index.digest, tag: cosignTags(index.digest)[0] });
    t.same(
      (await dst.referrers.list(index.digest)).map((d) => d.digest),
      [sig.digest],
    );
    t.same(await dst.listTags(), [cosignTags(index.digest)[0]], 'only the cosign tag, no other');

    const again = await copyRoot(src, 'v1', dst, { referrers: true });
    t.ok(
      again.referrers.every((r) => r.action === 'skipped'),
      'present referrers are skipped',
    );
  });

  t.test('into a store without it: listed in the tag schema index', async (t) => {
    const src = memoryStore('staging');
    const dst = memoryStore('prod', { referrersApi: false });
    const { index, sig } = await signed(src);
    await copyRoot(src, 'v1', dst, { referrers: true });
    t.ok((await dst.listTags()).includes(referrersTag(index.digest)));
    t.same(
      (await dst.referrers.list(index.digest)).map((d) => d.digest),
      [sig.digest],
    );
  });
});

t.test('GraphTarget: leaveRoot leaves the root to the caller; untagged asks less', async (t) => {
  const src = memoryStore('staging');
  const { index, amd64, arm64 } = await multiArch(src);
  const root = await src.manifests.get('v1');
  /** copies into a fresh store, recording what the destination was asked. */
  const into = async (target: GraphTarget, options: CopyOptions = {}) => {
    const dst = memoryStore('prod');
    const asked: string[] = [];
    const stat = dst.blobs.stat.bind(dst.blobs);
    dst.blobs.stat = (d, s) => {
      asked.push(`stat ${d}`);
      return stat(d, s);
    };
    const head = dst.manifests.head.bind(dst.manifests);
    dst.manifests.head = (ref, s) => {
      asked.push(`head ${ref}`);
      return head(ref, s);
    };
    const r = await copyGraph(src, root, dst, options, target);
    return { asked, r, head };
  };

  const plain = await into({});
  const hinted = await into({ leaveRoot: true, untagged: true });
  t.equal(hinted.r.digest, index.digest);
  t.notOk(
    await hinted.head(index.digest),
    'the root is not pushed: the caller puts it under a tag',
  );
  t.ok(await hinted.head(amd64.digest), 'its children are');
  t.ok(await hinted.head(arm64.digest));
  t.ok(plain.asked.includes(`head ${index.digest}`), 'without hints the root is looked for');
  t.notOk(hinted.asked.includes(`head ${index.digest}`), 'into an untagged repository it is not');
  const stats = (asked: string[]) => asked.filter((a) => a.startsWith('stat ')).length;
  // The store itself checks a manifest's blobs on PUT (as a registry does); the copy's own
  // HEADs are the difference: 5 blobs, each looked for once without the hint.
  t.equal(stats(plain.asked) - stats(hinted.asked), 5, 'no blob of at most 64 KiB is looked for');

  // With referrers the root goes first (they name it as their subject).
  const withReferrers = await into({ leaveRoot: true }, { referrers: true });
  t.ok(await withReferrers.head(index.digest), 'with --referrers the root is pushed');
});
