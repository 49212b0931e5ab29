// Fault cases of issue 3 against real registries, through the fault-injecting proxy
// (test/helpers/fault-proxy.ts): each test injects one kind of fault, checks the proxy
// really applied it, and checks what the tool did about it. Each one fails when the
// handling it covers is removed (see docs/faults.md for the list and what breaks what).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import {
  type CopyOptions,
  copy,
  createClient,
  parseReference,
  type RegistryClient,
  type TransportOptions,
  verify,
} from '../../lib/index.js';
import { staticCredentials } from '../../lib/transport/credentials.js';
import {
  type FaultProxy,
  type ProxiedRequest,
  type ProxyRequestInfo,
  startFaultProxy,
} from '../helpers/fault-proxy.js';
import { writeRandomImage, writeRandomIndex } from '../helpers/random.js';
import { type Registry, startRegistry } from '../helpers/registry.js';
import { headManifest, listTags, pushLayout } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client: direct, cli, work } = await twoRegistries(t, 'faults');
const srcProxy = await startFaultProxy(t, src, { seed: 1 });
const dstProxy = await startFaultProxy(t, dst, { seed: 2 });

/** Backoff in milliseconds, so a test waits only as long as the registry asks. */
const FAST = { retries: 5, minDelay: 1, maxDelay: 10, maxRetryAfter: 5_000 };

function proxiedClient(t: Test, opts: Omit<TransportOptions, 'plainHttp'> = {}): RegistryClient {
  const c = createClient({ plainHttp: true, retry: FAST, timeouts: { idle: 5_000 }, ...opts });
  t.teardown(() => c.close());
  return c;
}

const img = await writeRandomImage(join(work, 'img'), {
  seed: 'faults',
  layers: 3,
  layerSize: 256 * 1024,
  format: 'raw',
  tag: 'v1',
});
await pushLayout(src, img.dir, 'v1', 'staging/app');
const old = await writeRandomImage(join(work, 'old'), {
  seed: 'faults-old',
  layers: 1,
  layerSize: 1000,
  tag: 'old',
});
await pushLayout(src, old.dir, 'old', 'staging/old');
const index = await writeRandomIndex(join(work, 'index'), {
  seed: 'faults-index',
  layers: 1,
  layerSize: 4096,
  tag: 'v1',
});
await pushLayout(src, index.dir, 'v1', 'staging/multi');

const [layer0, layer1, layer2] = img.layers.map((l) => l.digest) as [string, string, string];
const blobPath = (digest: string) => new RegExp(`/blobs/${digest}$`);
const putOf = (digest: string) =>
  new RegExp(`/blobs/uploads/[^?]*\\?.*digest=${encodeURIComponent(digest)}`);

t.beforeEach(() => {
  for (const p of [srcProxy, dstProxy]) {
    p.clearRules();
    p.clearRecords();
  }
});

/** Copies staging/app:v1 through both proxies to `<repo>:1.0`. */
function copyVia(
  t: Test,
  repo: string,
  opts: { client?: RegistryClient; copy?: CopyOptions } = {},
) {
  return copy(
    opts.client ?? proxiedClient(t),
    parseReference(`${srcProxy.host}/staging/app:v1`),
    parseReference(`${dstProxy.host}/${repo}:1.0`),
    { retry: FAST, ...opts.copy },
  );
}

/** The destination holds the whole image under `<repo>:1.0`, checked without the proxy. */
async function intact(t: Test, repo: string, digest = img.digest, registry: Registry = dst) {
  const ref = parseReference(`${registry.host}/${repo}:1.0`);
  const v = await verify(direct.repository(ref), ref, { deep: true, digest: digest as never });
  t.same({ ok: v.ok, missing: v.missing }, { ok: true, missing: [] }, `${repo}:1.0 verifies deep`);
}

/** Points `<repo>:1.0` at the old image (so a failed copy has a tag to leave alone). */
async function tagOld(repo: string): Promise<void> {
  await copy(
    direct,
    parseReference(`${src.host}/staging/old:old`),
    parseReference(`${dst.host}/${repo}:1.0`),
  );
}

/** Milliseconds between the faulted request and the next one of the same method and path. */
function gapAfterFault(proxy: FaultProxy, rule: string, same = (r: ProxiedRequest) => r.path) {
  const i = proxy.requests.findIndex((r) => r.fault === rule);
  const faulted = proxy.requests[i]!;
  const next = proxy.requests
    .slice(i + 1)
    .find((r) => r.method === faulted.method && same(r) === same(faulted));
  return next ? next.at - faulted.at : Number.NaN;
}

const writes = (p: FaultProxy) =>
  p.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

t.test('429 with Retry-After in seconds: waited for, on a GET and on an upload', async (t) => {
  srcProxy.addRule({
    name: '429 GET',
    method: 'GET',
    path: blobPath(layer0),
    nth: 1,
    action: { type: 'status', status: 429, headers: { 'retry-after': '1' } },
  });
  dstProxy.addRule({
    name: '429 PUT',
    method: 'PUT',
    path: putOf(layer1),
    nth: 1,
    action: { type: 'status', status: 429, headers: { 'retry-after': '1' } },
  });
  await copyVia(t, 'prod/r429');
  t.same(srcProxy.summary(), { 'status 429': 1 });
  t.same(dstProxy.summary(), { 'status 429': 1 });
  // Backoff alone is 1-10 ms here: only the registry's Retry-After explains a second.
  const get = gapAfterFault(srcProxy, '429 GET');
  const put = gapAfterFault(dstProxy, '429 PUT', (r) => (putOf(layer1).test(r.url) ? 'x' : r.url));
  t.ok(get >= 950 && get < 5000, `the GET was retried after ~1 s (${get} ms)`);
  t.ok(put >= 950 && put < 5000, `the upload was retried after ~1 s (${put} ms)`);
  await intact(t, 'prod/r429');
});

t.test('429 with Retry-After as an HTTP date', async (t) => {
  srcProxy.addRule({
    name: '429 date',
    method: 'GET',
    path: blobPath(layer0),
    nth: 1,
    action: () => ({
      type: 'status',
      status: 429,
      headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() },
    }),
  });
  await copyVia(t, 'prod/rdate');
  const gap = gapAfterFault(srcProxy, '429 date');
  // An HTTP date has a resolution of one second: 2 s ahead means 1-2 s from now.
  t.ok(gap >= 900 && gap < 5000, `the date was honoured (${gap} ms)`);
  await intact(t, 'prod/rdate');
});

t.test('429 asking for a day: the wait is capped (maxRetryAfter)', async (t) => {
  dstProxy.addRule({
    name: '429 a day',
    method: 'POST',
    path: /\/blobs\/uploads\/$/,
    nth: 1,
    action: { type: 'status', status: 429, headers: { 'retry-after': '86400' } },
  });
  const capped = { ...FAST, maxRetryAfter: 400 };
  const started = Date.now();
  // One blob at a time, so the next POST is the retried one.
  await copyVia(t, 'prod/rday', {
    client: proxiedClient(t, { retry: capped }),
    copy: { retry: capped, jobs: 1 },
  });
  const gap = gapAfterFault(dstProxy, '429 a day');
  t.ok(gap >= 350 && gap < 3000, `waited the 400 ms cap, not a day (${gap} ms)`);
  t.ok(Date.now() - started < 10_000);
  await intact(t, 'prod/rday');
});

t.test('500/502/503/504 bursts on every kind of request are retried', async (t) => {
  const statuses = [502, 503, 504];
  srcProxy.addRule(
    {
      name: 'manifest 500',
      method: 'GET',
      path: /\/manifests\/v1$/,
      nth: [1, 2],
      action: { type: 'status', status: 500 },
    },
    {
      name: 'blob 50x',
      method: 'GET',
      path: blobPath(layer0),
      nth: [1, 2, 3],
      action: () => ({ type: 'status', status: statuses.shift() ?? 500 }),
    },
  );
  dstProxy.addRule(
    {
      name: 'HEAD 503',
      method: 'HEAD',
      path: blobPath(layer1),
      nth: 1,
      action: { type: 'status', status: 503 },
    },
    {
      name: 'POST 503',
      method: 'POST',
      path: /\/blobs\/uploads\/$/,
      nth: [1, 2],
      action: { type: 'status', status: 503 },
    },
    {
      name: 'PUT 504/500',
      method: 'PUT',
      path: putOf(layer2),
      nth: [1, 2],
      action: (_r: ProxyRequestInfo) => ({ type: 'status', status: 504 }),
    },
    {
      name: 'manifest PUT 502',
      method: 'PUT',
      path: /\/manifests\/sha256:/,
      nth: 1,
      action: { type: 'status', status: 502 },
    },
  );
  const r = await copyVia(t, 'prod/burst');
  t.equal(r.digest, img.digest);
  t.same(srcProxy.summary(), {
    'status 500': 2,
    'status 502': 1,
    'status 503': 1,
    'status 504': 1,
  });
  t.same(dstProxy.summary(), { 'status 503': 3, 'status 504': 2, 'status 502': 1 });
  // A failed upload's session is cancelled and the retry opens a new one.
  const cancels = dstProxy.requests.filter(
    (q) => q.method === 'DELETE' && /\/blobs\/uploads\//.test(q.path),
  );
  t.ok(cancels.length >= 2, `the two failed uploads' sessions were cancelled (${cancels.length})`);
  await intact(t, 'prod/burst');
});

t.test('a connection reset in the middle of a blob body: retried in a new session', async (t) => {
  srcProxy.addRule({
    name: 'download reset',
    method: 'GET',
    path: blobPath(layer1),
    nth: 1,
    action: { type: 'reset', side: 'response', afterBytes: 100_000 },
  });
  dstProxy.addRule({
    name: 'upload reset',
    method: 'PUT',
    path: putOf(layer2),
    nth: 1,
    // The registry receives the first 100 000 bytes, then the connection breaks.
    action: { type: 'reset', side: 'request', afterBytes: 100_000, forward: true },
  });
  await copyVia(t, 'prod/reset');
  await Promise.all([srcProxy.settle(), dstProxy.settle()]);
  const down = srcProxy.requests.find((r) => r.fault === 'download reset')!;
  t.equal(down.responseBytes, 100_000, 'the download broke after 100 000 bytes');
  const up = dstProxy.requests.find((r) => r.fault === 'upload reset')!;
  t.ok(up.requestBytes >= 100_000 && up.status === undefined, 'the upload broke mid-body');
  // Every session opened was either committed once or cancelled: none left half done.
  const uuid = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const opened = dstProxy.requests
    .filter((r) => r.method === 'POST' && r.location)
    .map((r) => uuid(new URL(r.location!, dstProxy.url).pathname));
  t.equal(opened.length, 6, 'four blobs, two of them twice');
  let committed = 0;
  let cancelled = 0;
  for (const id of opened) {
    const of = dstProxy.requests.filter((r) => uuid(r.path) === id);
    const done = of.filter((r) => r.method === 'PUT' && r.status === 201).length;
    const cancel = of.some((r) => r.method === 'DELETE');
    t.ok(
      (done === 1 && !cancel) || (done === 0 && cancel),
      `session ${id.slice(0, 8)}… committed once or cancelled`,
    );
    committed += done;
    if (cancel) cancelled++;
  }
  t.same({ committed, cancelled }, { committed: 4, cancelled: 2 });
  await intact(t, 'prod/reset');
});

t.test('the answer to a blob upload is lost after the commit: not uploaded again', async (t) => {
  dstProxy.addRule({
    name: 'lost 201',
    method: 'PUT',
    path: putOf(layer0),
    nth: 1,
    action: { type: 'reset', side: 'response', beforeHeaders: true },
  });
  const r = await copyVia(t, 'prod/lost');
  await dstProxy.settle();
  t.match(
    dstProxy.injected,
    [{ detail: 'answer 201 lost' }],
    'the registry committed; the 201 never came',
  );
  t.equal(
    dstProxy.requests.filter((q) => q.method === 'PUT' && putOf(layer0).test(q.url)).length,
    1,
    'the retry found the blob with a HEAD and sent nothing again',
  );
  t.equal(r.blobs.copied, 4);
  await intact(t, 'prod/lost');
});

t.test('a body that stalls: the idle timeout fires and the download is retried', async (t) => {
  srcProxy.addRule({
    name: 'stall',
    method: 'GET',
    path: blobPath(layer0),
    nth: 1,
    // 64 KiB, then one byte a minute: only the idle timeout ends this quickly.
    action: { type: 'slow', afterBytes: 65_536, stallMs: 60_000 },
  });
  const started = Date.now();
  await copyVia(t, 'prod/slow', { client: proxiedClient(t, { timeouts: { idle: 400 } }) });
  const took = Date.now() - started;
  t.ok(took < 15_000, `done in ${took} ms, not after the stall`);
  await srcProxy.settle();
  const stalled = srcProxy.requests.find((r) => r.fault === 'stall')!;
  t.equal(stalled.error, 'client went away', 'the client gave up on the stalled body');
  t.ok(stalled.responseBytes < 65_536 + 10);
  t.ok(
    srcProxy.requests.filter((r) => blobPath(layer0).test(r.path) && r.method === 'GET').length >=
      2,
    'the download was retried',
  );
  await intact(t, 'prod/slow');
});

t.test(
  'blob bytes that do not match the digest: exit 4, upload cancelled, nothing tagged',
  async (t) => {
    await tagOld('prod/rot');
    srcProxy.addRule({
      name: 'flip',
      method: 'GET',
      path: blobPath(layer1),
      action: { type: 'corrupt' },
    });
    const r = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app:v1`,
      `${dstProxy.host}/prod/rot:1.0`,
    ]);
    t.equal(r.code, 4, r.stderr);
    t.equal(r.json().error.code, 'ERR_DIGEST_MISMATCH');
    t.match(r.json().error.message, layer1);
    t.equal(srcProxy.injected.length, 1, 'one corrupted download, not retried');
    await dstProxy.settle();
    const upload = dstProxy.requests.find((q) => q.method === 'PUT' && putOf(layer1).test(q.url));
    t.ok(upload, 'an upload of the blob had started');
    t.not(upload?.status, 201, 'it was never committed');
    t.ok(
      dstProxy.requests.some((q) => q.method === 'DELETE' && /\/blobs\/uploads\//.test(q.path)),
      'its session was cancelled (DELETE)',
    );
    t.equal(await headManifest(dst, 'prod/rot', '1.0'), old.digest, 'the tag is unchanged');
    t.same(
      writes(dstProxy).filter((q) => /\/manifests\//.test(q.path)),
      [],
      'no manifest written',
    );
  },
);

t.test(
  'a manifest fetched by digest that hashes differently: exit 4, nothing pushed',
  async (t) => {
    const child = index.manifests[1]!.digest;
    srcProxy.addRule({
      name: 'flip child',
      method: 'GET',
      path: new RegExp(`/manifests/${child}$`),
      action: { type: 'corrupt', offset: 40 },
    });
    const r = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/multi:v1`,
      `${dstProxy.host}/prod/multi:1.0`,
    ]);
    t.equal(r.code, 4, r.stderr);
    t.equal(r.json().error.code, 'ERR_DIGEST_MISMATCH');
    t.match(r.json().error.message, child);
    t.ok(srcProxy.injected.length >= 1);
    t.equal(
      await headManifest(dst, 'prod/multi', index.digest),
      undefined,
      'the index was not pushed',
    );
    t.same(await listTags(dst, 'prod/multi'), []);

    // The root itself, by digest.
    srcProxy.clearRules();
    srcProxy.addRule({
      name: 'flip root',
      method: 'GET',
      path: new RegExp(`/manifests/${img.digest}$`),
      action: { type: 'corrupt', offset: 30 },
    });
    const byDigest = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app@${img.digest}`,
      `${dstProxy.host}/prod/bydigest:1.0`,
    ]);
    t.equal(byDigest.code, 4, byDigest.stderr);
    t.equal(byDigest.json().error.code, 'ERR_DIGEST_MISMATCH');
    t.same(writes(dstProxy), [], 'nothing written to the destination');
  },
);

t.test(
  'Content-Length other than the descriptor size: fails before reading the body',
  async (t) => {
    srcProxy.addRule({
      name: 'length',
      method: 'GET',
      path: blobPath(layer2),
      action: {
        type: 'headers',
        set: { 'content-length': String(img.layers[2]!.size + 1) },
        hold: true, // headers only: a client that read on would wait here
      },
    });
    const started = Date.now();
    const r = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app:v1`,
      `${dstProxy.host}/prod/length:1.0`,
    ]);
    t.equal(r.code, 4, r.stderr);
    t.equal(r.json().error.code, 'ERR_SIZE_MISMATCH');
    t.match(r.json().error.message, /Content-Length/);
    t.ok(Date.now() - started < 10_000, 'at once, not after a timeout');
    await srcProxy.settle();
    const held = srcProxy.requests.find((q) => q.fault === 'length')!;
    t.equal(held.responseBytes, 0, 'no byte of the body was sent, so none was read');
    t.same(await listTags(dst, 'prod/length'), []);
  },
);

t.test(
  'a blob body running on past its size (no Content-Length): stopped at once, exit 4',
  async (t) => {
    const bytes = await readFile(join(img.dir, 'blobs', 'sha256', layer2.slice(7)));
    srcProxy.addRule({
      name: 'one byte more',
      method: 'GET',
      path: blobPath(layer2),
      action: {
        type: 'body',
        headers: { 'content-type': 'application/octet-stream' },
        // A stream, sent chunked (only counting tells the size), that never ends.
        body: () =>
          Readable.from(
            (function* () {
              yield bytes;
              const more = Buffer.alloc(64 * 1024, 0x21);
              for (;;) yield more;
            })(),
          ),
      },
    });
    const r = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app:v1`,
      `${dstProxy.host}/prod/long:1.0`,
    ]);
    t.equal(r.code, 4, r.stderr);
    t.equal(r.json().error.code, 'ERR_SIZE_MISMATCH');
    t.match(r.json().error.message, `expected ${img.layers[2]!.size} bytes, got`);
    await Promise.all([srcProxy.settle(), dstProxy.settle()]);
    const sent = srcProxy.requests.find((q) => q.fault === 'one byte more')!.responseBytes;
    t.ok(sent < 32 * 1024 * 1024, `the client stopped reading past the size (${sent} bytes sent)`);
    t.notOk(
      dstProxy.requests.some((q) => q.status === 201 && putOf(layer2).test(q.url)),
      'never committed',
    );
    t.same(await listTags(dst, 'prod/long'), []);
  },
);

t.test(
  'Docker-Content-Digest other than the bytes: on a tag GET and on a manifest PUT reply, exit 4',
  async (t) => {
    const other = `sha256:${'0'.repeat(64)}`;
    srcProxy.addRule({
      name: 'tag GET digest',
      method: 'GET',
      path: /\/manifests\/v1$/,
      nth: 1,
      action: { type: 'headers', set: { 'docker-content-digest': other } },
    });
    const get = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app:v1`,
      `${dstProxy.host}/prod/dcd:1.0`,
    ]);
    t.equal(get.code, 4, get.stderr);
    t.equal(get.json().error.code, 'ERR_DIGEST_MISMATCH');
    t.match(get.json().error.message, /Docker-Content-Digest/);
    t.same(writes(dstProxy), [], 'nothing written');

    dstProxy.addRule({
      name: 'PUT reply digest',
      method: 'PUT',
      path: /\/manifests\/sha256:/,
      action: { type: 'headers', set: { 'docker-content-digest': other } },
    });
    const put = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app:v1`,
      `${dstProxy.host}/prod/dcd:1.0`,
    ]);
    t.equal(put.code, 4, put.stderr);
    t.match(put.json().error.message, /pushed manifest \(Docker-Content-Digest\)/);
    t.same(await listTags(dst, 'prod/dcd'), [], 'no tag written after the odd reply');
  },
);

t.test(
  'a 5 MiB manifest, or an endless one: refused at 4 MiB, exit 4, nothing written',
  async (t) => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    big.write('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","x":"');
    srcProxy.addRule({
      name: '5 MiB',
      method: 'GET',
      path: /\/manifests\/v1$/,
      nth: 1,
      action: {
        type: 'body',
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: big,
      },
    });
    const r = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app:v1`,
      `${dstProxy.host}/prod/big:1.0`,
    ]);
    t.equal(r.code, 4, r.stderr);
    t.equal(r.json().error.code, 'ERR_MANIFEST_TOO_LARGE');
    t.match(r.json().error.message, /4194304-byte manifest limit/);
    t.match(r.stderr, /manifests over 4 MiB are refused/);

    srcProxy.addRule({
      name: 'endless',
      method: 'GET',
      path: /\/manifests\/v1$/,
      action: {
        type: 'body',
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: () =>
          Readable.from(
            (function* () {
              const chunk = Buffer.alloc(64 * 1024, 0x20);
              for (;;) yield chunk;
            })(),
          ),
      },
    });
    const endless = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${srcProxy.host}/staging/app:v1`,
      `${dstProxy.host}/prod/big:1.0`,
    ]);
    t.equal(endless.code, 4, endless.stderr);
    t.equal(endless.json().error.code, 'ERR_MANIFEST_TOO_LARGE');
    await srcProxy.settle();
    const sent = srcProxy.requests.find((q) => q.fault === 'endless')!.responseBytes;
    t.ok(sent < 32 * 1024 * 1024, `the client stopped reading (${sent} bytes sent)`);
    t.same(dstProxy.requests, [], 'the destination was not even asked');
  },
);

t.test('a 413 from the destination on a manifest surfaces clearly', async (t) => {
  dstProxy.addRule({
    name: '413',
    method: 'PUT',
    path: /\/manifests\//,
    action: {
      type: 'status',
      status: 413,
      body: { errors: [{ code: 'SIZE_INVALID', message: 'manifest too big' }] },
    },
  });
  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${srcProxy.host}/staging/app:v1`,
    `${dstProxy.host}/prod/m413:1.0`,
  ]);
  t.equal(r.code, 1, r.stderr);
  t.match(
    r.json().error.message,
    /push manifest .* answered 413 \(SIZE_INVALID: manifest too big\)/,
  );
  t.equal(dstProxy.injected.length, 1, 'not retried');
});

t.test('an index whose child is missing at the source: no partial index pushed', async (t) => {
  await tagOld('prod/gone');
  const child = index.manifests[0]!.digest;
  srcProxy.addRule({
    name: 'gone',
    method: ['GET', 'HEAD'],
    path: new RegExp(`/manifests/${child}$`),
    action: {
      type: 'status',
      status: 404,
      body: { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] },
    },
  });
  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${srcProxy.host}/staging/multi:v1`,
    `${dstProxy.host}/prod/gone:1.0`,
  ]);
  t.equal(r.code, 1, r.stderr);
  t.equal(r.json().error.code, 'ERR_NOT_FOUND');
  t.match(r.json().error.message, child);
  t.equal(await headManifest(dst, 'prod/gone', '1.0'), old.digest, 'the tag is unchanged');
  t.equal(await headManifest(dst, 'prod/gone', index.digest), undefined, 'no index');
  t.same(
    writes(dstProxy).filter(
      (q) => /\/manifests\//.test(q.path) && !q.path.endsWith(index.manifests[1]!.digest),
    ),
    [],
    'at most the intact child was written, never the index or a tag',
  );
});

t.test('HEAD answers without digest or length headers: presence still recognised', async (t) => {
  await copyVia(t, 'prod/bare');
  dstProxy.clearRecords();
  dstProxy.addRule({
    name: 'bare HEAD',
    method: 'HEAD',
    action: {
      type: 'headers',
      set: { 'docker-content-digest': undefined, 'content-length': undefined },
    },
  });
  const again = await copyVia(t, 'prod/bare');
  t.ok(dstProxy.injected.length >= 2, 'HEADs came back bare');
  t.same(again.manifests, { copied: 0, skipped: 1 }, 'the manifest was found (by a GET)');
  t.same(again.blobs, { copied: 0, mounted: 0, skipped: 0 }, 'so its blobs were not looked at');
  t.ok(
    dstProxy.requests.some(
      (q) => q.method === 'GET' && q.path.endsWith(`/manifests/${img.digest}`),
    ),
    'the missing digest header was made up for with a GET',
  );
  t.same(writes(dstProxy), [], 'nothing written: not even the tag, found unchanged');
});

t.test('redirects', async (t) => {
  t.test('a blob GET redirected to another origin goes there without Authorization', async (t) => {
    const users = { alice: 'wonderland-s3cret' };
    const secure = await startRegistry(t, { auth: { users } });
    await pushLayout(secure, img.dir, 'v1', 'staging/app');
    const basic = `Basic ${Buffer.from('alice:wonderland-s3cret').toString('base64')}`;
    // Blob storage signs for itself (as a presigned URL would): it needs nothing from us.
    const storage = await startFaultProxy(t, secure, { upstreamHeaders: { authorization: basic } });
    const front = await startFaultProxy(t, secure);
    front.addRule({
      name: 'to storage',
      method: 'GET',
      path: /\/blobs\/sha256:/,
      action: { type: 'redirect', status: 307, location: (r) => `${storage.url}${r.url}` },
    });
    const client = proxiedClient(t, {
      credentials: staticCredentials({
        [front.host]: { username: 'alice', password: users.alice },
      }),
    });
    await copy(
      client,
      parseReference(`${front.host}/staging/app:v1`),
      parseReference(`${dst.host}/prod/redirected:1.0`),
      { retry: FAST },
    );
    const redirected = front.requests.filter((r) => r.fault === 'to storage');
    t.equal(redirected.length, 4, 'config and three layers were redirected');
    t.ok(
      redirected.every((r) => r.authorization),
      'the registry itself got Authorization (there was something to leak)',
    );
    t.equal(storage.requests.length, 4, 'and fetched from the other origin');
    t.ok(
      storage.requests.every((r) => !r.authorization),
      'which never saw the Authorization header',
    );
    await intact(t, 'prod/redirected');
  });

  t.test('a redirect loop between two origins stops', async (t) => {
    const other = await startFaultProxy(t, src);
    srcProxy.addRule({
      method: 'GET',
      path: blobPath(layer0),
      action: { type: 'redirect', location: (r) => `${other.url}${r.url}` },
    });
    other.addRule({
      method: 'GET',
      path: blobPath(layer0),
      action: { type: 'redirect', location: (r) => `${srcProxy.url}${r.url}` },
    });
    await t.rejects(copyVia(t, 'prod/loop'), { code: 'ERR_REDIRECT', message: /redirect loop/ });
    t.equal(srcProxy.injected.length, 1, 'followed once, then recognised the loop');
    t.equal(other.injected.length, 1);
  });

  t.test('https → http is refused: covered by test/protocol/tls.scripted.test.ts', async (t) => {
    t.pass('"https to plain http redirect is refused" (scripted https server; see docs/faults.md)');
  });

  t.test('relative upload Locations with query state are used as given', async (t) => {
    const relative = await startRegistry(t, {
      configure: (c) => {
        (c.http as Record<string, unknown>).relativeurls = true;
      },
    });
    const proxy = await startFaultProxy(t, relative);
    const client = proxiedClient(t);
    const to = (repo: string) => parseReference(`${proxy.host}/${repo}:1.0`);
    const from = parseReference(`${srcProxy.host}/staging/app:v1`);
    await copy(client, from, to('prod/monolithic'), { retry: FAST });
    await copy(client, from, to('prod/chunked'), { retry: FAST, chunkSize: 100_000 });
    await proxy.settle();
    const sessions = proxy.requests.filter((r) => /\/blobs\/uploads\//.test(r.path));
    const posts = sessions.filter((r) => r.method === 'POST');
    t.equal(posts.length, 8);
    t.ok(
      posts.every((r) => r.location?.startsWith('/v2/') && r.location.includes('?_state=')),
      'the registry answered relative Locations carrying _state',
    );
    // Each request of a session goes exactly where the latest answer of that session said.
    const sessionOf = (r: ProxiedRequest) =>
      r.method === 'POST' ? new URL(r.location!, proxy.url).pathname : r.path;
    for (const [k, r] of sessions.entries()) {
      if (r.method === 'POST') continue;
      const latest = sessions
        .slice(0, k)
        .filter((q) => sessionOf(q) === r.path && q.location !== undefined)
        .at(-1)?.location;
      const ok =
        r.method === 'PUT' ? r.url.startsWith(`${latest}&digest=sha256%3A`) : r.url === latest;
      t.ok(ok, `${r.method} went to the session's latest Location, as given`);
    }
    t.ok(
      sessions.some((r) => r.method === 'PATCH'),
      'chunks went to the latest Location too',
    );
    for (const repo of ['prod/monolithic', 'prod/chunked']) {
      const ref = parseReference(`${relative.host}/${repo}:1.0`);
      const v = await verify(direct.repository(ref), ref, { deep: true });
      t.ok(v.ok, `${repo} verifies`);
    }
  });
});
