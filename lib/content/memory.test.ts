// MemoryStore holds to the rules of a real backend: verified blobs, manifests only over
// content it holds, backend-neutral not-found errors, range reads, referrers by subject.
import { buffer } from 'node:stream/consumers';
import t from 'tap';
import { digestOf } from '../digest.js';
import { DigestMismatchError, NotFoundError, RegistryError, SizeMismatchError } from '../errors.js';
import { OCI_LAYER, OCI_MANIFEST } from '../media-types.js';
import { MemoryHost, memoryStore } from './memory.js';
import { canMount, canReadRanges, canResumeUploads } from './store.js';

const bytes = Buffer.from('hello, layer');
const desc = { mediaType: OCI_LAYER, digest: digestOf(bytes), size: bytes.byteLength };

t.test('blobs are verified on the way in and out', async (t) => {
  const store = memoryStore('app');
  await t.rejects(store.blobs.upload({ ...desc, size: 3 }, bytes), SizeMismatchError);
  await t.rejects(
    store.blobs.upload({ ...desc, digest: digestOf(Buffer.from('other')) }, bytes),
    DigestMismatchError,
  );
  t.equal(await store.blobs.stat(desc.digest), undefined, 'nothing kept of a refused upload');
  await store.blobs.upload(desc, bytes);
  t.same(await store.blobs.stat(desc.digest), { size: bytes.byteLength });
  t.same(await buffer(await store.blobs.get(desc)), bytes);
  const from = await store.blobs.getFrom(desc, 7);
  t.same(
    { start: from.start, rest: (await buffer(from.body)).toString() },
    { start: 7, rest: 'layer' },
  );
  t.ok(canReadRanges(store.blobs) && canMount(store.blobs), 'range reads and mounts');
  t.notOk(canResumeUploads(store.blobs), 'no chunked uploads to resume');
});

t.test('absent content is ERR_NOT_FOUND with no HTTP status or method', async (t) => {
  const store = memoryStore('app');
  const e = await store.blobs.get(desc).catch((err: unknown) => err);
  t.ok(e instanceof NotFoundError);
  t.notOk(e instanceof RegistryError);
  t.match(e, { code: 'ERR_NOT_FOUND', status: undefined, method: undefined });
  await t.rejects(store.manifests.get('v1'), { code: 'ERR_NOT_FOUND' });
  t.equal(await store.manifests.head('v1'), undefined);
});

t.test('a manifest over content the store does not hold is refused', async (t) => {
  const store = memoryStore('app');
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', ...blobOf('{}') };
  const image = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }),
  );
  await t.rejects(store.manifests.put('v1', image, OCI_MANIFEST), NotFoundError);
  await store.blobs.upload(config, Buffer.from('{}'));
  const put = await store.manifests.put('v1', image, OCI_MANIFEST);
  t.equal(put.digest, digestOf(image));
  t.same(await store.listTags(), ['v1']);
  await t.rejects(
    store.manifests.put(digestOf(Buffer.from('x')), image, OCI_MANIFEST),
    DigestMismatchError,
  );
});

t.test('a mount links within one host only', async (t) => {
  const host = new MemoryHost();
  const a = host.repository('a');
  const b = host.repository('b');
  await a.blobs.upload(desc, bytes);
  const never = {
    descriptor: desc,
    open: () => Promise.reject(new Error('a mount within the host reads nothing')),
    openAt: () => Promise.reject(new Error('not read')),
  };
  t.equal(await b.blobs.mount(desc, 'a', never), 'mounted');
  const elsewhere = memoryStore('c');
  t.not(elsewhere.registry, host.name, 'another host has another name');
  const source = {
    descriptor: desc,
    open: () => a.blobs.get(desc),
    openAt: () => a.blobs.getFrom(desc, 0),
  };
  t.equal(await elsewhere.blobs.mount(desc, 'a', source), 'uploaded');
  t.ok(await elsewhere.blobs.stat(desc.digest));
});

function blobOf(text: string) {
  const b = Buffer.from(text);
  return { digest: digestOf(b), size: b.byteLength };
}
