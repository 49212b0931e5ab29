/**
 * Scripted-HTTP tests of the last step of a promotion: an immutable tag set by another
 * writer between planning and writing is not overwritten, and a tag another writer
 * moves right after it was written is reported. A real registry cannot be made to race
 * on cue; a script can.
 */
import t, { type Test } from 'tap';
import { createClient, digestOf, parseReference } from '../../lib/index.js';
import { OCI_MANIFEST } from '../../lib/media-types.js';
import { writeTags } from '../../lib/promote/tags.js';
import type { FetchedManifest } from '../../lib/registry/manifests.js';
import { scriptedServer } from '../helpers/scripted-server.js';

const bytes = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'a/b', digest: digestOf(Buffer.from('c')), size: 1 },
    layers: [],
  }),
);
const digest = digestOf(bytes);
const other = digestOf(Buffer.from('someone else'));
const manifest: FetchedManifest = {
  bytes,
  descriptor: { mediaType: OCI_MANIFEST, digest, size: bytes.length },
  manifest: {
    kind: 'image',
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'a/b', digest: digestOf(Buffer.from('c')), size: 1 },
    layers: [],
  },
};
const head = (d: string) => ({
  status: 200,
  headers: {
    'docker-content-digest': d,
    'content-type': OCI_MANIFEST,
    'content-length': String(bytes.length),
  },
});

function repo(t: Test, host: string) {
  const client = createClient({ plainHttp: true, retry: { retries: 0 } });
  t.teardown(() => client.close());
  return client.repository(parseReference(`${host}/app`));
}

t.test('a tag moved by another writer right after the write is reported', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'PUT', path: '/v2/app/manifests/latest', reply: { status: 201 } },
    { method: 'PUT', path: '/v2/app/manifests/stable', reply: { status: 201 } },
    { method: 'HEAD', path: '/v2/app/manifests/latest', reply: head(other) },
    { method: 'HEAD', path: '/v2/app/manifests/stable', reply: head(digest) },
  ]);
  const conflicts = await writeTags(repo(t, reg.host), manifest, [
    { tag: 'latest', previousDigest: null, immutable: false },
    { tag: 'stable', previousDigest: null, immutable: false },
  ]);
  t.same(conflicts, [{ tag: 'latest', expected: digest, found: other }]);
});

t.test('an immutable tag another writer set since the plan is not overwritten', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'HEAD', path: '/v2/app/manifests/1.0.0', reply: head(other) },
  ]);
  await t.rejects(
    writeTags(repo(t, reg.host), manifest, [
      { tag: '1.0.0', previousDigest: null, immutable: true },
    ]),
    {
      code: 'ERR_TAG_RACE',
      message: /1\.0\.0 is immutable and a concurrent writer set it to sha256:/,
    },
  );
  t.notOk(
    reg.requests.some((r) => r.method === 'PUT'),
    'nothing written',
  );
});
