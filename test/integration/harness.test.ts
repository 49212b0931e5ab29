// Proves the real-registry harness, the fixtures and the seeding helpers work, without lib/.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { randomBuffer, writeRandomImage, writeRandomIndex } from '../helpers/random.js';
import {
  blobUploadRequests,
  parseAccessLine,
  type Registry,
  startRegistry,
  summarizeRequests,
} from '../helpers/registry.js';
import {
  ARTIFACTS_LAYOUT,
  BUSYBOX_LAYOUT,
  blobExists,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  getManifest,
  layoutRef,
  listTags,
  OCI_INDEX,
  OCI_MANIFEST,
  pushBlob,
  pushDockerV2,
  pushLayout,
  pushManifest,
  rawRequest,
  readLayoutBlob,
  SEED_USER_AGENT,
  seedBusybox,
  seedWithReferrers,
  sha256,
  skopeoDigest,
  skopeoInspectRaw,
} from '../helpers/seed.js';

// .ci/run greps this line to prove which Node ran the suite.
t.comment(`harness node ${process.version}`);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

t.test('parses distribution access log lines', async (t) => {
  const e = parseAccessLine(
    '127.0.0.1 - - [01/Dec/2026:01:44:01 +0000] "POST /v2/prod/app/blobs/uploads/?mount=sha256%3Aab&from=staging%2Fapp HTTP/1.1" 201 0 "" "ua \\"quoted\\""',
  );
  t.match(e, {
    method: 'POST',
    path: '/v2/prod/app/blobs/uploads/',
    query: 'mount=sha256%3Aab&from=staging%2Fapp',
    status: 201,
    kind: 'blob-upload',
    repo: 'prod/app',
    mount: true,
    userAgent: 'ua "quoted"',
  });
  t.match(parseAccessLine('1.2.3.4 - - [x] "HEAD /v2/a/manifests/v1 HTTP/1.1" 404 96 "" "c"'), {
    kind: 'manifest',
    repo: 'a',
    ref: 'v1',
  });
  t.equal(parseAccessLine('time="..." level=info msg="listening"'), undefined);
});

t.test('plain registry starts, answers, and stops without leftovers', async (t) => {
  const reg = await startRegistry();
  t.match(reg.host, /^127\.0\.0\.1:\d+$/);
  t.equal(reg.url, `http://${reg.host}`);
  const res = await fetch(`${reg.url}/v2/`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  t.ok(alive(reg.pid), 'process runs');
  await reg.stop();
  await reg.stop(); // idempotent
  t.notOk(alive(reg.pid), 'process gone after stop()');
  t.notOk(existsSync(reg.dir), 'temp dir removed');
});

t.test('two registries at once get different ports', async (t) => {
  const [a, b] = await Promise.all([startRegistry(t), startRegistry(t)]);
  t.not(a.port, b.port);
});

t.test(
  'a taken port is detected (startRegistry retries picked ports, not a fixed one)',
  async (t) => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    t.teardown(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as AddressInfo).port;
    await t.rejects(startRegistry({ port }), /127\.0\.0\.1:\d+ address already in use/);
  },
);

t.test('a registry is killed when the process that started it exits', async (t) => {
  // Run a child Node with the same loader flags tap gave us; it starts a registry and exits
  // without stop(): the exit hook (and setpriv --pdeathsig) must take the registry down.
  const script = `
    import { startRegistry } from ${JSON.stringify(new URL('../helpers/registry.ts', import.meta.url).href)};
    const reg = await startRegistry();
    console.log(JSON.stringify({ pid: reg.pid, dir: reg.dir }));
    process.exit(0);
  `;
  const dir = await mkdtemp(join(tmpdir(), 'harness-child-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'child.mjs');
  await writeFile(file, script);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let s = '';
    child.stdout.on('data', (c) => {
      s += c;
    });
    child.on('error', reject);
    child.on('exit', () => resolve(s));
  });
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) return t.fail(`child printed no registry info: ${out}`);
  const { pid, dir: regDir } = JSON.parse(line) as { pid: number; dir: string };
  for (let i = 0; i < 50 && alive(pid) && !isZombie(pid); i++) await delay(100);
  t.ok(!alive(pid) || isZombie(pid), `registry ${pid} is gone`);
  t.notOk(existsSync(regDir), 'its temp dir is gone');
});

t.test('htpasswd registry rejects anonymous and wrong passwords, accepts the user', async (t) => {
  const reg = await startRegistry(t, { auth: { users: { alice: 's3cret', bob: 'hunter2' } } });
  t.same(reg.credentials, { username: 'alice', password: 's3cret' });
  const anon = await fetch(`${reg.url}/v2/`);
  t.equal(anon.status, 401);
  t.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  const basic = (u: string, p: string) => ({
    authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
  });
  t.equal((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 'nope') })).status, 401);
  t.equal((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 's3cret') })).status, 200);
  t.equal((await fetch(`${reg.url}/v2/`, { headers: basic('bob', 'hunter2') })).status, 200);

  // skopeo pushes with --dest-creds, and fails without them.
  const ref = await layoutRef(BUSYBOX_LAYOUT, 'amd64');
  t.equal(await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'private/busybox'), ref.digest);
  await t.rejects(
    pushLayout(reg.host, BUSYBOX_LAYOUT, 'amd64', 'private/other'),
    /unauthorized|authentication required|401/i,
  );
  const log = await reg.settledRequests();
  t.ok(
    log.some((e) => e.status === 401 && e.repo === 'private/other'),
    'the anonymous push attempt was logged as 401',
  );
});

t.test('request log counts exactly the requests the registry served', async (t) => {
  const reg = await startRegistry(t);
  await reg.resetRequests();
  t.same(await reg.settledRequests(), [], 'empty after reset (harness requests are hidden)');

  const digest = `sha256:${'0'.repeat(64)}`;
  t.equal((await rawRequest(reg, 'GET', '/v2/')).status, 200);
  t.equal((await rawRequest(reg, 'HEAD', `/v2/team/app/blobs/${digest}`)).status, 404);
  t.equal((await rawRequest(reg, 'GET', '/v2/team/app/tags/list')).status, 404);
  const log = await reg.settledRequests();
  t.equal(log.length, 3, 'exactly 3 entries');
  t.match(log, [
    { method: 'GET', path: '/v2/', status: 200, kind: 'ping', userAgent: SEED_USER_AGENT },
    { method: 'HEAD', status: 404, kind: 'blob', repo: 'team/app', ref: digest },
    { method: 'GET', status: 404, kind: 'tags', repo: 'team/app' },
  ]);
  t.same(summarizeRequests(log), { 'GET ping 200': 1, 'HEAD blob 404': 1, 'GET tags 404': 1 });

  // Uploads are classified: one blob = POST + PUT; a mount = one POST ?mount= answered 201.
  await reg.resetRequests();
  const blob = Buffer.from('hello harness\n');
  const blobDigest = await pushBlob(reg, 'team/app', blob);
  let up = await reg.settledRequests();
  t.same(summarizeRequests(up), {
    'HEAD blob 404': 1,
    'POST blob-upload 202': 1,
    'PUT blob-upload 201': 1,
  });
  t.equal(blobUploadRequests(up).length, 2);
  await reg.resetRequests();
  const mount = await rawRequest(
    reg,
    'POST',
    `/v2/prod/app/blobs/uploads/?mount=${blobDigest}&from=team/app`,
  );
  t.equal(mount.status, 201, 'mounted');
  up = await reg.settledRequests();
  t.equal(up.length, 1);
  t.match(up[0], { kind: 'blob-upload', mount: true, status: 201 });
  t.same(blobUploadRequests(up), [], 'a mount uploads no blob bytes');

  // Many concurrent requests, then one settle: none lost.
  await reg.resetRequests();
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => rawRequest(reg, 'HEAD', `/v2/team/app/manifests/t${i}`)),
  );
  t.equal((await reg.settledRequests()).length, 40);
  t.equal(reg.requests().length, 40, 'requests() agrees once settled');

  // Large responses are logged after the client saw the last byte; settling still counts
  // them (64 KiB is a multiple of Go's write buffer: the worst case).
  const big = await pushBlob(reg, 'team/app', randomBuffer('settle', 0, 64 * 1024));
  let missed = 0;
  for (let i = 0; i < 40; i++) {
    await reg.resetRequests();
    t.equal((await rawRequest(reg, 'GET', `/v2/team/app/blobs/${big}`)).status, 200);
    if ((await reg.settledRequests()).length !== 1) missed++;
  }
  t.equal(missed, 0, 'every blob GET was counted');
});

t.test('seeding the committed fixtures with skopeo keeps every digest', async (t) => {
  const reg = await startRegistry(t);
  const refs = {
    amd64: await layoutRef(BUSYBOX_LAYOUT, 'amd64'),
    arm64: await layoutRef(BUSYBOX_LAYOUT, 'arm64'),
    multiarch: await layoutRef(BUSYBOX_LAYOUT, 'multiarch'),
  };
  const seeded = await seedBusybox(reg, 'fixtures/busybox');
  t.equal(seeded.image, refs.amd64.digest, 'OCI image digest preserved');
  t.equal(seeded.arm64, refs.arm64.digest, 'arm64 image digest preserved');
  t.equal(seeded.index, refs.multiarch.digest, 'index digest preserved');
  for (const [tag, d] of Object.entries(refs)) {
    t.equal(
      await skopeoDigest(reg, `fixtures/busybox:${tag}`),
      d.digest,
      `skopeo inspect --raw | sha256 of :${tag}`,
    );
    const raw = await getManifest(reg, 'fixtures/busybox', d.digest);
    t.same(raw.bytes, await readLayoutBlob(BUSYBOX_LAYOUT, d.digest), `:${tag} bytes identical`);
  }
  const index = JSON.parse((await readLayoutBlob(BUSYBOX_LAYOUT, seeded.index)).toString());
  t.same(
    index.manifests.map((m: { digest: string }) => m.digest),
    [seeded.image, seeded.arm64],
    'index lists both images',
  );
  t.same((await listTags(reg, 'fixtures/busybox')).sort(), ['amd64', 'arm64', 'multiarch']);

  // Docker v2 schema 2, converted by skopeo at seed time.
  const v2 = await pushDockerV2(reg, BUSYBOX_LAYOUT, 'amd64', 'fixtures/busybox-docker', 'v2s2');
  const got = await getManifest(reg, 'fixtures/busybox-docker', 'v2s2');
  t.equal(got.mediaType, DOCKER_MANIFEST);
  t.equal(sha256(got.bytes), v2);
  t.not(v2, seeded.image, 'a conversion changes the manifest digest');
  const v2doc = JSON.parse(got.bytes.toString());
  const ocidoc = JSON.parse((await readLayoutBlob(BUSYBOX_LAYOUT, seeded.image)).toString());
  t.equal(v2doc.layers[0].digest, ocidoc.layers[0].digest, 'same layer bytes');
  t.equal(v2doc.layers[0].mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
  t.equal(v2doc.config.digest, ocidoc.config.digest, 'same config bytes');

  // ... and a Docker manifest list from the OCI index.
  const list = await pushDockerV2(
    reg,
    BUSYBOX_LAYOUT,
    'multiarch',
    'fixtures/busybox-docker',
    'list',
  );
  const listGot = await getManifest(reg, 'fixtures/busybox-docker', 'list');
  t.equal(listGot.mediaType, DOCKER_LIST);
  t.equal(sha256(listGot.bytes), list);
  const listDoc = JSON.parse(listGot.bytes.toString());
  t.match(listDoc.manifests, [
    { mediaType: DOCKER_MANIFEST, digest: v2, platform: { architecture: 'amd64' } },
    { mediaType: DOCKER_MANIFEST, platform: { architecture: 'arm64', variant: 'v8' } },
  ]);
});

t.test('referrer fixtures: SBOM with subject, fallback index tag, cosign .sig tag', async (t) => {
  const reg = await startRegistry(t);
  const s = await seedWithReferrers(reg, 'fixtures/signed');
  t.equal(s.subject, (await layoutRef(BUSYBOX_LAYOUT, 'amd64')).digest);
  t.equal(s.sbom, (await layoutRef(ARTIFACTS_LAYOUT, 'sbom')).digest);

  const sbom = await getManifest(reg, 'fixtures/signed', s.sbom);
  t.equal(sbom.status, 200);
  t.equal(sha256(sbom.bytes), s.sbom);
  const doc = JSON.parse(sbom.bytes.toString());
  t.equal(doc.artifactType, 'application/spdx+json');
  t.equal(doc.config.mediaType, 'application/vnd.oci.empty.v1+json');
  t.equal(doc.config.size, 2);
  t.equal(doc.subject.digest, s.subject);
  t.ok(await blobExists(reg, 'fixtures/signed', doc.layers[0].digest), 'SPDX layer pushed');

  const fallback = await getManifest(reg, 'fixtures/signed', s.fallbackTag);
  t.equal(fallback.mediaType, OCI_INDEX);
  t.equal(sha256(fallback.bytes), s.fallbackIndex);
  t.match(JSON.parse(fallback.bytes.toString()).manifests, [
    { digest: s.sbom, artifactType: 'application/spdx+json' },
  ]);

  const sig = await getManifest(reg, 'fixtures/signed', s.sigTag);
  t.equal(sig.mediaType, OCI_MANIFEST);
  t.equal(sha256(sig.bytes), s.sig);
  t.match(JSON.parse(sig.bytes.toString()).layers, [
    {
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      annotations: { 'dev.cosignproject.cosign/signature': String },
    },
  ]);
  t.same((await listTags(reg, 'fixtures/signed')).sort(), ['amd64', s.fallbackTag, s.sigTag]);
  // skopeo reads what the raw helpers wrote, byte-identically.
  t.same(await skopeoInspectRaw(reg, `fixtures/signed:${s.sigTag}`), sig.bytes);
});

t.test('raw pushManifest refuses a manifest whose blobs are missing', async (t) => {
  const reg = await startRegistry(t);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 },
      layers: [],
    }),
  );
  await t.rejects(pushManifest(reg, 'x/y', 'v1', bytes, OCI_MANIFEST), /HTTP 400/);
  await pushBlob(reg, 'x/y', Buffer.from('{}'));
  t.equal(await pushManifest(reg, 'x/y', 'v1', bytes, OCI_MANIFEST), sha256(bytes));
});

t.test('random images are deterministic, valid for skopeo, and fast', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'harness-random-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const opts = { seed: 'harness', layers: 3, layerSize: [1, 1000, 70_000], tag: 'v1' };
  const a = await writeRandomImage(join(dir, 'a'), opts);
  const b = await writeRandomImage(join(dir, 'b'), opts);
  const c = await writeRandomImage(join(dir, 'c'), { ...opts, seed: 'other' });
  t.equal(a.digest, b.digest, 'same seed, same digest');
  t.same(a.layers, b.layers);
  t.not(a.digest, c.digest, 'another seed, another digest');
  t.equal(a.layers.length, 3);
  t.equal(sha256(await readFile(join(dir, 'a', 'blobs', 'sha256', a.digest.slice(7)))), a.digest);
  const config = JSON.parse(
    (await readFile(join(dir, 'a', 'blobs', 'sha256', a.config.digest.slice(7)))).toString(),
  );
  t.same(
    config.rootfs.diff_ids,
    a.layers.map((l) => l.digest),
  );

  const idx = await writeRandomIndex(join(dir, 'a'), { ...opts, tag: 'multi' });
  t.equal(idx.manifests.length, 2);
  t.not(idx.manifests[0]!.digest, idx.manifests[1]!.digest, 'platform images differ');

  const size = 16 * 1024 * 1024;
  const start = process.hrtime.bigint();
  const big = await writeRandomImage(join(dir, 'big'), {
    seed: 'big',
    layers: 4,
    layerSize: size,
    tag: 'big',
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mib = big.blobBytes / 2 ** 20;
  t.comment(`64 MiB random image in ${seconds.toFixed(2)}s (${(mib / seconds).toFixed(0)} MiB/s)`);
  t.ok(big.blobBytes > 64 * 2 ** 20, 'at least 64 MiB');
  t.ok(seconds < 15, 'generated in well under 15 s');

  const reg: Registry = await startRegistry(t);
  t.equal(await pushLayout(reg, join(dir, 'a'), 'v1', 'random/img'), a.digest);
  t.equal(await pushLayout(reg, join(dir, 'a'), 'multi', 'random/img'), idx.digest);
  t.equal(await pushLayout(reg, join(dir, 'big'), 'big', 'random/big'), big.digest);
  for (const l of big.layers) t.ok(await blobExists(reg, 'random/big', l.digest));
});

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
