// Referrer graphs that loop, held by a real registry: anyone with push access can write
// them (the tag-schema fallback and cosign tags are plain tags). A copy or promotion with
// --referrers walks each manifest once, skips the edge that closes a cycle with a warning,
// and always ends — with its result, or a clear error — never stuck on itself (which Node
// reports as exit 13 with no message at all). The OCI 1.1 referrers API (which this
// registry lacks) is played by the fault proxy in front of it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { copy, parseReference } from '../../lib/index.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import {
  getManifest,
  headManifest,
  OCI_INDEX,
  OCI_MANIFEST,
  pushBlob,
  pushManifest,
  seedBusybox,
  sha256,
} from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, cli, client } = await twoRegistries(t, 'referrer-cycles');

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
}
const fallbackTag = (d: string) => `sha256-${d.slice('sha256:'.length)}`;

/** descOf reads the descriptor of a manifest the source holds. */
async function descOf(repo: string, ref: string): Promise<Desc> {
  const m = await getManifest(src, repo, ref);
  return { mediaType: m.mediaType!, digest: sha256(m.bytes), size: m.bytes.length };
}

/** listAsReferrers writes `subject`'s tag-schema fallback index, listing `referrers`. */
async function listAsReferrers(repo: string, subject: string, referrers: Desc[]): Promise<void> {
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: referrers };
  await pushManifest(
    src,
    repo,
    fallbackTag(subject),
    Buffer.from(JSON.stringify(index)),
    OCI_INDEX,
  );
}

/** pushArtifact pushes a small artifact manifest (empty config) about `subject`. */
async function pushArtifact(repo: string, artifactType: string, subject: Desc): Promise<Desc> {
  const empty = Buffer.from('{}');
  await pushBlob(src, repo, empty);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: sha256(empty),
        size: empty.length,
      },
      layers: [],
      subject,
    }),
  );
  const digest = await pushManifest(src, repo, sha256(bytes), bytes, OCI_MANIFEST);
  return { mediaType: OCI_MANIFEST, digest, size: bytes.length, artifactType };
}

// A regression here hangs instead of failing: each case gets a deadline far above its run time.
t.beforeEach((t) => t.setTimeout(120_000));

const copyCli = (...args: string[]) =>
  cli.run(['copy', '--plain-http', '--json', '--referrers', ...args]);

t.test('a cosign .sig tag that is the image itself: copied once, cycle skipped', async (t) => {
  const { image } = await seedBusybox(src, 'cyc/self-sig');
  const sigTag = `${fallbackTag(image)}.sig`;
  const m = await getManifest(src, 'cyc/self-sig', image);
  await pushManifest(src, 'cyc/self-sig', sigTag, m.bytes, m.mediaType!);

  const r = await copyCli(`${src.host}/cyc/self-sig:amd64`, `${dst.host}/cyc/self-sig:1`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  t.same(r.json().referrers, [], 'nothing copied as its own signature');
  t.match(r.stderr, /referrer cycle: .*is that manifest itself; not followed/);
  t.equal(await headManifest(dst, 'cyc/self-sig', '1'), image);
  t.equal(
    await headManifest(dst, 'cyc/self-sig', sigTag),
    undefined,
    'the looping tag is not written',
  );
});

t.test('promote --referrers of an image that is its own signature ends and reports', async (t) => {
  const { image } = await seedBusybox(src, 'cyc/promote');
  const m = await getManifest(src, 'cyc/promote', image);
  await pushManifest(src, 'cyc/promote', `${fallbackTag(image)}.sig`, m.bytes, m.mediaType!);
  const audit = join(cli.dir, 'cycle-audit.jsonl');
  const r = await cli.run([
    'promote',
    '--plain-http',
    '--json',
    '--referrers',
    '--audit-log',
    audit,
    '--tag',
    '1.0.0',
    `${src.host}/cyc/promote:amd64`,
    '--to',
    `${dst.host}/cyc/promoted`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  t.match(r.stderr, /referrer cycle/);
  t.equal(await headManifest(dst, 'cyc/promoted', '1.0.0'), image);
  t.match(await readFile(audit, 'utf8'), /"action":"promote"/, 'the audit line is written');
});

t.test('a fallback index that lists its own subject', async (t) => {
  const { image } = await seedBusybox(src, 'cyc/self-index');
  await listAsReferrers('cyc/self-index', image, [await descOf('cyc/self-index', image)]);
  const r = await copyCli(`${src.host}/cyc/self-index:amd64`, `${dst.host}/cyc/self-index:1`);
  t.equal(r.code, 0, r.stderr);
  t.same(r.json().referrers, []);
  t.match(r.stderr, /referrer cycle/);
  t.equal(
    (await getManifest(dst, 'cyc/self-index', fallbackTag(image))).status,
    404,
    'no fallback index written at the destination',
  );
});

t.test('A → B → A: both copied once, the edge back to A skipped', async (t) => {
  const repo = 'cyc/loop';
  const { image } = await seedBusybox(src, repo);
  const root = await descOf(repo, image);
  const a = await pushArtifact(repo, 'application/x-a', root);
  const b = await pushArtifact(repo, 'application/x-b', a);
  await listAsReferrers(repo, image, [a]);
  await listAsReferrers(repo, a.digest, [b]);
  await listAsReferrers(repo, b.digest, [a]);

  const r = await copyCli(`${src.host}/${repo}:amd64`, `${dst.host}/${repo}:1`);
  t.equal(r.code, 0, r.stderr);
  t.same(
    r
      .json()
      .referrers.map((x: { digest: string; subject: string; action: string }) => [
        x.digest,
        x.subject,
        x.action,
      ])
      .sort(),
    [
      [a.digest, image, 'copied'],
      [b.digest, a.digest, 'copied'],
    ].sort(),
  );
  t.match(r.stderr, new RegExp(`referrer cycle: ${a.digest}`));
  t.equal(await headManifest(dst, repo, a.digest), a.digest);
  t.equal(await headManifest(dst, repo, b.digest), b.digest);
  t.equal((await getManifest(dst, repo, fallbackTag(b.digest))).status, 404, 'B → A not written');
});

t.test('a referrer that is an ancestor of its subject (an index above it)', async (t) => {
  const repo = 'cyc/ancestor';
  const { image, index } = await seedBusybox(src, repo);
  await listAsReferrers(repo, image, [await descOf(repo, index)]);
  const r = await copyCli(`${src.host}/${repo}:multiarch`, `${dst.host}/${repo}:1`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, index);
  t.same(r.json().referrers, []);
  t.match(r.stderr, new RegExp(`referrer cycle: ${index}`));
  t.equal(await headManifest(dst, repo, '1'), index);
});

t.test('two children listing each other: no deadlock, both edges copied', async (t) => {
  const repo = 'cyc/cross';
  const { image, arm64, index } = await seedBusybox(src, repo);
  await listAsReferrers(repo, image, [await descOf(repo, arm64)]);
  await listAsReferrers(repo, arm64, [await descOf(repo, image)]);
  const r = await copyCli(`${src.host}/${repo}:multiarch`, `${dst.host}/${repo}:1`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, index);
  t.same(
    r
      .json()
      .referrers.map((x: { digest: string; subject: string }) => [x.digest, x.subject])
      .sort(),
    [
      [arm64, image],
      [image, arm64],
    ].sort(),
  );
  t.equal((await getManifest(dst, repo, fallbackTag(image))).status, 200);
  t.equal((await getManifest(dst, repo, fallbackTag(arm64))).status, 200);
});

t.test('referrers API (through a proxy) answering the subject itself', async (t) => {
  const repo = 'cyc/api';
  const { image } = await seedBusybox(src, repo);
  const self = await descOf(repo, image);
  const proxy = await startFaultProxy(t, src);
  proxy.addRule({
    method: 'GET',
    path: /\/referrers\//,
    action: {
      type: 'status',
      status: 200,
      headers: { 'content-type': OCI_INDEX },
      body: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [self] },
    },
  });
  const r = await copyCli(`${proxy.host}/${repo}:amd64`, `${dst.host}/${repo}:1`);
  t.equal(r.code, 0, r.stderr);
  t.same(r.json().referrers, []);
  t.match(r.stderr, /referrer cycle/);
});

t.test('promote --referrers against a referrers API whose next link loops', async (t) => {
  const repo = 'cyc/paging';
  const { image } = await seedBusybox(src, repo);
  const proxy = await startFaultProxy(t, src);
  const page = `/v2/${repo}/referrers/${image}`;
  proxy.addRule({
    method: 'GET',
    path: /\/referrers\//,
    action: (req) => ({
      type: 'status',
      status: 200,
      headers: {
        'content-type': OCI_INDEX,
        link: `<${req.url === page ? `${page}?next=1` : page}>; rel="next"`,
      },
      body: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] },
    }),
  });
  const audit = join(cli.dir, 'paging-audit.jsonl');
  const r = await cli.run([
    'promote',
    '--plain-http',
    '--json',
    '--referrers',
    '--audit-log',
    audit,
    '--tag',
    '1.0.0',
    `${proxy.host}/${repo}:amd64`,
    '--to',
    `${dst.host}/cyc/paging`,
  ]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.json(), { error: { code: 'ERR_PROTOCOL', message: /page already read/ } });
  t.equal(proxy.requests.filter((q) => /\/referrers\//.test(q.path)).length, 2);
  t.equal(await headManifest(dst, 'cyc/paging', '1.0.0'), undefined, 'no tag written');
  t.match(await readFile(audit, 'utf8'), /page already read/, 'the failure is in the audit log');
});

t.test('copy --referrers does not list the source tags (cosign tags are looked up)', async (t) => {
  const repo = 'cyc/many-tags';
  await seedBusybox(src, repo);
  const proxy = await startFaultProxy(t, src);
  // A tag listing that pages without end: it must not matter to a copy.
  proxy.addRule({
    method: 'GET',
    path: /\/tags\/list/,
    times: 50,
    action: (req) => ({
      type: 'status',
      status: 200,
      headers: { link: `</v2/${repo}/tags/list?n=1000&last=${req.url.length}>; rel="next"` },
      body: { name: repo, tags: ['x'] },
    }),
  });
  const r = await copyCli(`${proxy.host}/${repo}:amd64`, `${dst.host}/${repo}:1`);
  t.equal(r.code, 0, r.stderr);
  t.same(
    proxy.requests.filter((q) => /\/tags\/list/.test(q.path)),
    [],
    'no tag listing',
  );
  t.equal(
    proxy.requests.filter((q) => q.method === 'HEAD' && /\.(sig|att|sbom)$/.test(q.path)).length,
    3,
    'one HEAD per cosign tag of the one manifest',
  );
});

t.test('a registry inventing referrers without end: the copy stops at the cap', async (t) => {
  const repo = 'cyc/endless';
  const { image } = await seedBusybox(src, repo);
  const empty = Buffer.from('{}');
  await pushBlob(src, repo, empty);
  // Each manifest gets one new referrer, made up on the spot, 50 deep.
  const made = new Map<string, { bytes: Buffer; depth: number }>();
  const sizeOf = new Map<string, number>([[image, (await descOf(repo, image)).size]]);
  const referrerOf = (subject: string, depth: number): Desc => {
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: 'application/x-chain',
        config: {
          mediaType: 'application/vnd.oci.empty.v1+json',
          digest: sha256(empty),
          size: 2,
        },
        layers: [],
        subject: { mediaType: OCI_MANIFEST, digest: subject, size: sizeOf.get(subject) },
      }),
    );
    const digest = sha256(bytes);
    made.set(digest, { bytes, depth });
    sizeOf.set(digest, bytes.length);
    return {
      mediaType: OCI_MANIFEST,
      digest,
      size: bytes.length,
      artifactType: 'application/x-chain',
    };
  };
  const proxy = await startFaultProxy(t, src);
  proxy.addRule(
    {
      method: 'GET',
      path: /\/referrers\//,
      action: (req) => {
        const subject = req.path.slice(req.path.lastIndexOf('/') + 1);
        const depth = (made.get(subject)?.depth ?? 0) + 1;
        const manifests = depth <= 50 ? [referrerOf(subject, depth)] : [];
        return {
          type: 'status',
          status: 200,
          headers: { 'content-type': OCI_INDEX },
          body: { schemaVersion: 2, mediaType: OCI_INDEX, manifests },
        };
      },
    },
    {
      method: 'GET',
      when: (req) => made.has(req.path.slice(req.path.lastIndexOf('/') + 1)),
      action: (req) => ({
        type: 'body',
        headers: { 'content-type': OCI_MANIFEST },
        body: made.get(req.path.slice(req.path.lastIndexOf('/') + 1))!.bytes,
      }),
    },
  );
  await t.rejects(
    copy(
      client,
      parseReference(`${proxy.host}/${repo}:amd64`),
      parseReference(`${dst.host}/${repo}:1`),
      { referrers: true, maxReferrers: 5 },
    ),
    { code: 'ERR_PROTOCOL', message: /more than 5 referrers/ },
  );
  t.equal(made.size, 6, 'the sixth referrer was listed and not followed');
  t.equal(await headManifest(dst, repo, '1'), undefined, 'nothing tagged');
});
