/**
 * Scripted-HTTP tests of the referrers client: the OCI 1.1 referrers API (which the
 * distribution 2.8 registry used by the integration tests does not have), its
 * pagination and filtering, the switch to the `sha256-<hex>` tag schema on 404, and
 * how a pushed referrer is recorded in the fallback index.
 */
import t, { type Test } from 'tap';
import { createClient, type Descriptor, digestOf, parseReference } from '../../lib/index.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../lib/media-types.js';
import { scriptedServer } from '../helpers/scripted-server.js';

const subject = digestOf(Buffer.from('subject'));
const hex = subject.slice('sha256:'.length);
const ref = (n: number, artifactType: string): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: digestOf(Buffer.from(`referrer ${n}`)),
  size: 100 + n,
  artifactType,
});
const index = (manifests: Descriptor[]) => ({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });

function repo(t: Test, host: string) {
  const client = createClient({ plainHttp: true, retry: { retries: 0 } });
  t.teardown(() => client.close());
  return client.repository(parseReference(`${host}/app`));
}

t.test('referrers API: pages followed, artifactType filtered, API remembered', async (t) => {
  const [a, b, c] = [
    ref(1, 'application/spdx+json'),
    ref(2, 'application/vnd.dev.cosign.artifact.sig.v1+json'),
    ref(3, 'application/spdx+json'),
  ];
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: `/v2/app/referrers/${subject}`,
      reply: {
        status: 200,
        headers: {
          'content-type': OCI_INDEX,
          link: `</v2/app/referrers/${subject}?page=2>; rel="next"`,
        },
        body: index([a, b]),
      },
    },
    {
      method: 'GET',
      path: `/v2/app/referrers/${subject}?page=2`,
      reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: index([c]) },
    },
    {
      method: 'GET',
      path: `/v2/app/referrers/${subject}`,
      reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: index([a, b, c]) },
    },
  ]);
  const r = repo(t, reg.host);
  t.same(
    (await r.referrers.list(subject)).map((d) => d.digest),
    [a.digest, b.digest, c.digest],
  );
  t.equal(r.referrers.api, true);
  t.same(
    (await r.referrers.list(subject, 'application/spdx+json')).map((d) => d.digest),
    [a.digest, c.digest],
    'filtered on the client when the registry does not',
  );
});

t.test('API answers 404: the tag schema is used, and from then on only it', async (t) => {
  const sbom = ref(1, 'application/spdx+json');
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: `/v2/app/referrers/${subject}`,
      reply: { status: 404, body: '404 page not found' },
    },
    {
      method: 'GET',
      path: `/v2/app/manifests/sha256-${hex}`,
      times: 2,
      reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: index([sbom]) },
    },
  ]);
  const r = repo(t, reg.host);
  t.same(await r.referrers.list(subject), [sbom]);
  t.equal(r.referrers.api, false);
  t.same(await r.referrers.list(subject), [sbom], 'second listing skips the API');
  t.equal(reg.requests.filter((q) => q.path.includes('/referrers/')).length, 1);
});

t.test('a fallback tag that is not an index means no referrers', async (t) => {
  const image = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: ref(9, 'x'), layers: [] };
  const reg = await scriptedServer(t, [
    { method: 'GET', path: `/v2/app/referrers/${subject}`, reply: { status: 404 } },
    {
      method: 'GET',
      path: `/v2/app/manifests/sha256-${hex}`,
      reply: { status: 200, headers: { 'content-type': OCI_MANIFEST }, body: image },
    },
  ]);
  t.same(await repo(t, reg.host).referrers.list(subject), []);
});

t.test('a next page on another origin is refused', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: `/v2/app/referrers/${subject}`,
      reply: {
        status: 200,
        headers: {
          'content-type': OCI_INDEX,
          link: '<http://127.0.0.2:1/v2/app/referrers/x>; rel="next"',
        },
        body: index([]),
      },
    },
  ]);
  await t.rejects(repo(t, reg.host).referrers.list(subject), { code: 'ERR_PROTOCOL' });
});

t.test('addToTagIndex: creates the index, appends, skips what is listed', async (t) => {
  const [a, b] = [ref(1, 'application/spdx+json'), ref(2, 'application/spdx+json')];
  const tagPath = `/v2/app/manifests/sha256-${hex}`;
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: tagPath,
      reply: { status: 404, body: { errors: [{ code: 'MANIFEST_UNKNOWN' }] } },
    },
    {
      method: 'PUT',
      path: tagPath,
      check: (q) => {
        t.equal(q.headers['content-type'], OCI_INDEX);
        t.same(JSON.parse(q.body.toString()), index([a]));
      },
      reply: { status: 201 },
    },
    {
      method: 'GET',
      path: tagPath,
      reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: index([a]) },
    },
    {
      method: 'PUT',
      path: tagPath,
      check: (q) => t.same(JSON.parse(q.body.toString()).manifests, [a, b]),
      reply: { status: 201 },
    },
    {
      method: 'GET',
      path: tagPath,
      reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: index([a, b]) },
    },
  ]);
  const r = repo(t, reg.host);
  t.equal(await r.referrers.addToTagIndex(subject, a), true);
  t.equal(await r.referrers.addToTagIndex(subject, b), true);
  t.equal(await r.referrers.addToTagIndex(subject, a), false, 'already listed: nothing written');
});

t.test('a manifest push answered with OCI-Subject is indexed by the registry', async (t) => {
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: ref(1, 'x'), layers: [] }),
  );
  const digest = digestOf(bytes);
  const reg = await scriptedServer(t, [
    {
      method: 'PUT',
      path: `/v2/app/manifests/${digest}`,
      reply: { status: 201, headers: { 'oci-subject': subject } },
    },
    { method: 'PUT', path: `/v2/app/manifests/${digest}`, reply: { status: 201 } },
  ]);
  const r = repo(t, reg.host);
  t.same(await r.manifests.put(digest, bytes, OCI_MANIFEST), { digest, subjectIndexed: true });
  t.same(await r.manifests.put(digest, bytes, OCI_MANIFEST), { digest, subjectIndexed: false });
});
