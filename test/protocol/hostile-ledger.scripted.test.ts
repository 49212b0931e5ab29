/**
 * Scripted-HTTP tests of digests a registry supplies: a forged ledger entry whose digest
 * is a path (`../../../x/app/manifests/1`), and a `Docker-Content-Digest` header that lies
 * about the manifest it comes with. A real registry stores neither on demand; a script
 * does. Nothing read back is used as a digest or a request path until it is validated.
 */
import t, { type Test } from 'tap';
import { createClient, type Digest, digestOf, parseReference } from '../../lib/index.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../lib/media-types.js';
import { LEDGER_TAG } from '../../lib/promote/ledger.js';
import { ANNOTATION, RECORD_ARTIFACT_TYPE } from '../../lib/promote/record.js';
import { cliEnv } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/scripted-server.js';

const config = {
  mediaType: 'application/vnd.oci.image.config.v1+json',
  digest: digestOf(Buffer.from('c')),
  size: 1,
};
const manifestBytes = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }),
);
const manifestDigest = digestOf(manifestBytes);
const lie = digestOf(Buffer.from('not the manifest that was sent'));
const FORGED = '../../../x/app/manifests/1';

/** ledgerOf renders a ledger index whose entries carry the given digest annotations. */
function ledgerOf(entries: Array<{ digest: string; tag: string; previousDigest: string | null }>) {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: entries.map((e, i) => ({
        mediaType: OCI_MANIFEST,
        digest: digestOf(Buffer.from(`record ${i}`)),
        size: 100,
        artifactType: RECORD_ARTIFACT_TYPE,
        annotations: {
          [ANNOTATION.created]: `2026-01-0${i + 1}T00:00:00Z`,
          [ANNOTATION.action]: 'promote',
          [ANNOTATION.digest]: e.digest,
          [ANNOTATION.tags]: JSON.stringify([{ tag: e.tag, previousDigest: e.previousDigest }]),
        },
      })),
    }),
  );
}

const headOf = (digest: string) => ({
  status: 200,
  headers: {
    'docker-content-digest': digest,
    'content-type': OCI_MANIFEST,
    'content-length': String(manifestBytes.length),
  },
});

/** The tag list a ledger read asks for: no journal tags beyond the ledger's. */
const noJournal = { status: 200, body: { name: 'app', tags: [LEDGER_TAG] } };

/** Requests that left the repository or carried a path where a digest belongs. */
const strayRequests = (paths: string[]) =>
  paths.filter((p) => !p.startsWith('/v2/app/') || p.includes('..') || p.includes('%2e'));

t.test(
  'rollback ignores a forged ledger digest that is a path (exit 3, nothing sent)',
  async (t) => {
    const ledger = ledgerOf([
      { digest: FORGED, tag: 'latest', previousDigest: null },
      { digest: manifestDigest, tag: 'latest', previousDigest: FORGED },
    ]);
    const reg = await scriptedServer(t, [
      { method: 'HEAD', path: '/v2/app/manifests/latest', reply: headOf(manifestDigest) },
      {
        method: 'GET',
        path: `/v2/app/manifests/${LEDGER_TAG}`,
        reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: ledger },
      },
      { method: 'GET', path: '/v2/app/tags/list?n=1000', reply: noJournal },
    ]);
    const cli = await cliEnv(t);
    const r = await cli.run(['rollback', '--plain-http', '--json', `${reg.host}/app:latest`]);
    t.equal(r.code, 3, r.stderr);
    const doc = r.json();
    t.equal(doc.error.code, 'ERR_POLICY');
    t.equal(doc.digest, undefined, 'no digest field on failure');
    t.notMatch(r.stdout, /\.\.\//, 'the forged path is not printed as a digest');
    t.match(doc.error.message, /history does not show/);
    t.same(strayRequests(reg.requests.map((q) => q.path)), []);
    t.notOk(
      reg.requests.some((q) => q.method !== 'GET' && q.method !== 'HEAD'),
      'nothing written',
    );
  },
);

t.test('history drops a forged entry instead of printing a path as its digest', async (t) => {
  const ledger = ledgerOf([
    { digest: FORGED, tag: 'latest', previousDigest: null },
    { digest: manifestDigest, tag: 'latest', previousDigest: null },
  ]);
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: `/v2/app/manifests/${LEDGER_TAG}`,
      reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: ledger },
    },
    { method: 'GET', path: '/v2/app/tags/list?n=1000', reply: noJournal },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['history', '--plain-http', '--json', `${reg.host}/app:latest`]);
  t.equal(r.code, 0, r.stderr);
  t.same(
    r.json().entries.map((e: { digest: string }) => e.digest),
    [manifestDigest],
    'only the entry with a valid digest',
  );
});

t.test(
  'digest hashes the manifest it fetched: a lying Docker-Content-Digest is exit 4',
  async (t) => {
    const reg = await scriptedServer(t, [
      {
        method: 'GET',
        path: '/v2/app/manifests/latest',
        reply: {
          status: 200,
          headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': lie },
          body: manifestBytes,
        },
      },
    ]);
    const cli = await cliEnv(t);
    const r = await cli.run(['digest', '--plain-http', '--json', `${reg.host}/app:latest`]);
    t.equal(r.code, 4, r.stderr);
    t.equal(r.json().error.code, 'ERR_DIGEST_MISMATCH');
    t.match(r.json().error.message, manifestDigest, 'names the digest of the bytes');
  },
);

t.test('digest without a Docker-Content-Digest prints the hash of the bytes', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/manifests/latest',
      reply: { status: 200, headers: { 'content-type': OCI_MANIFEST }, body: manifestBytes },
    },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['digest', '--plain-http', `${reg.host}/app:latest`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `${manifestDigest}\n`);
});

t.test('shallow verify --digest does not take a lying header for the digest', async (t) => {
  const lying = {
    method: 'GET',
    path: '/v2/app/manifests/latest',
    reply: {
      status: 200,
      headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': lie },
      body: manifestBytes,
    },
  };
  const reg = await scriptedServer(t, [lying]);
  const cli = await cliEnv(t);
  const r = await cli.run([
    'verify',
    '--plain-http',
    '--json',
    '--digest',
    lie,
    `${reg.host}/app:latest`,
  ]);
  t.equal(r.code, 4, r.stderr);
  t.not(r.json().ok, true, 'not OK');
  t.equal(r.json().error.code, 'ERR_DIGEST_MISMATCH');

  // The header is absent: the digest is the hash of the bytes, and it is compared.
  reg.add({
    method: 'GET',
    path: '/v2/app/manifests/latest',
    reply: { status: 200, headers: { 'content-type': OCI_MANIFEST }, body: manifestBytes },
    times: 2,
  });
  const wrong = await cli.run([
    'verify',
    '--plain-http',
    '--json',
    '--digest',
    lie,
    `${reg.host}/app:latest`,
  ]);
  t.equal(wrong.code, 4, wrong.stderr);
  t.equal(wrong.json().digest, manifestDigest);
  const right = await cli.run([
    'verify',
    '--plain-http',
    '--json',
    '--digest',
    manifestDigest,
    `${reg.host}/app:latest`,
  ]);
  t.equal(right.code, 0, right.stderr);
  t.equal(right.json().ok, true);
});

function repoAt(t: Test, host: string) {
  const client = createClient({ plainHttp: true, retry: { retries: 0 } });
  t.teardown(() => client.close());
  return client.repository(parseReference(`${host}/app`));
}

t.test('the manifest store refuses a reference that is neither tag nor digest', async (t) => {
  const reg = await scriptedServer(t, []);
  const repo = repoAt(t, reg.host);
  const bad = [FORGED, 'sha256:../../x', '', '.hidden', `a${'b'.repeat(128)}`, 'a/b', 'a%2e'];
  for (const ref of bad) {
    await t.rejects(repo.manifests.get(ref), { code: 'ERR_INVALID_REFERENCE' }, `get ${ref}`);
    await t.rejects(repo.manifests.head(ref), { code: 'ERR_INVALID_REFERENCE' }, `head ${ref}`);
    await t.rejects(
      repo.manifests.put(ref, manifestBytes, OCI_MANIFEST),
      { code: 'ERR_INVALID_REFERENCE' },
      `put ${ref}`,
    );
    await t.rejects(
      repo.manifests.delete(ref as Digest),
      { code: 'ERR_INVALID_REFERENCE' },
      `delete ${ref}`,
    );
  }
  await t.rejects(
    repo.manifests.delete('latest' as Digest),
    { code: 'ERR_INVALID_REFERENCE' },
    'delete takes a digest only',
  );
  t.same(reg.requests, [], 'no request was sent');
});
