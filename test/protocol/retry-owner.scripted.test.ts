/**
 * One retry owner per blob copy (docs/faults.md, "Uploads"): inside a blob's attempt the
 * transport sends each request once, the copy's blob loop owns `retries + 1` attempts, and
 * a chunked upload's resumes and commit retries draw from that same budget. Each case
 * scripts a source and a destination registry that keep failing one way and checks the
 * exact requests made for the one blob (a config-only image): at most `retries + 1` of the
 * failing request, no HEAD to check a copy that cannot have landed, and `Retry-After`
 * waited by the owner. Requests outside blob copies (manifests) keep the transport's retry.
 */
import type { ServerResponse } from 'node:http';
import t, { type Test } from 'tap';
import { copy, createClient, digestOf, type Logger, parseReference } from '../../lib/index.js';
import { OCI_MANIFEST } from '../../lib/media-types.js';
import { createTransport } from '../../lib/transport/http.js';
import { withRetry } from '../../lib/transport/retry.js';
import { type Reply, type ScriptStep, scriptedServer } from '../helpers/scripted-server.js';

const RETRIES = 4;
const ATTEMPTS = RETRIES + 1;
const BLOB = Buffer.from('abcdefghijklmnopqrstuvwxyz0123'); // 30 bytes, 3 chunks of 10
const config = {
  mediaType: 'application/vnd.oci.image.config.v1+json',
  digest: digestOf(BLOB),
  size: BLOB.length,
};
const manifest = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }),
);
const MDIGEST = digestOf(manifest);
const BLOB_PATH = `/v2/app/blobs/${config.digest}`;
const UP = '/v2/app/blobs/uploads/';
const ENC = encodeURIComponent(config.digest);

const step = (method: string, path: string | RegExp, reply: Reply, times = 1): ScriptStep => ({
  method,
  path,
  reply,
  times,
});
const repeat = (n: number, ...steps: ScriptStep[]): ScriptStep[] =>
  Array.from({ length: n }, () => steps).flat();

const getManifest = step('GET', '/v2/app/manifests/v1', {
  status: 200,
  headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': MDIGEST },
  body: manifest,
});
const getBlob = (times = 1) => step('GET', BLOB_PATH, { status: 200, body: BLOB }, times);
/** The destination's checks before the blob: the manifest and the blob are not there yet. */
const dstStart = [
  step('HEAD', `/v2/app/manifests/${MDIGEST}`, { status: 404 }),
  step('HEAD', BLOB_PATH, { status: 404 }),
];
const post = (id: string) =>
  step('POST', UP, { status: 202, headers: { location: `${UP}${id}`, range: '0-0' } });
const patch = (id: string, start: number, end: number): ScriptStep => ({
  ...step('PATCH', `${UP}${id}`, {
    status: 202,
    headers: { location: `${UP}${id}`, range: `0-${end}` },
  }),
  check: (r) => t.equal(r.headers['content-range'], `${start}-${end}`),
});
const commit = (id: string, reply: Reply = { status: 201 }, times = 1) =>
  step('PUT', `${UP}${id}?digest=${ENC}`, reply, times);
const cancel = (id: string) => step('DELETE', `${UP}${id}`, { status: 204 });
const unavailable: Reply = { status: 503 };
const reset: Reply = { status: 0, destroy: true };

/** copyBlob copies the config-only image; resolves to its error code ('ok' when it worked). */
async function copyBlob(
  t: Test,
  src: string,
  dst: string,
  opts: { chunkSize?: number } = {},
): Promise<{ outcome: string; transportWaits: number[]; blobRetries: number[] }> {
  const transportWaits: number[] = [];
  const blobRetries: number[] = [];
  const client = createClient({
    plainHttp: true,
    retry: {
      retries: RETRIES,
      minDelay: 1,
      maxDelay: 2,
      sleep: async (ms) => {
        transportWaits.push(ms);
      },
    },
  });
  t.teardown(() => client.close());
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    error: () => {},
    warn: (o: { delayMs?: number }) => {
      if (o.delayMs !== undefined) blobRetries.push(o.delayMs);
    },
  };
  const outcome = await copy(
    client,
    parseReference(`${src}/app:v1`),
    parseReference(`${dst}/app@${MDIGEST}`),
    { jobs: 1, retry: { retries: RETRIES, minDelay: 1, maxDelay: 2 }, logger, ...opts },
  ).then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? String(e),
  );
  return { outcome, transportWaits, blobRetries };
}

const count = (reqs: { method: string; path: string }[], method: string, path: RegExp | string) =>
  reqs.filter(
    (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
  ).length;

t.test('upload-start POST always 503: one POST per attempt, no HEAD in between', async (t) => {
  const src = await scriptedServer(t, [getManifest, getBlob(ATTEMPTS)], { name: 'source' });
  const dst = await scriptedServer(t, [...dstStart, step('POST', UP, unavailable, ATTEMPTS)], {
    name: 'destination',
  });
  const r = await copyBlob(t, src.host, dst.host);
  t.equal(r.outcome, 'ERR_REGISTRY_UNAVAILABLE');
  t.equal(count(dst.requests, 'POST', UP), ATTEMPTS, `${ATTEMPTS} POSTs (was 25)`);
  t.equal(count(dst.requests, 'HEAD', BLOB_PATH), 1, 'one HEAD, before the copy (was 5)');
  t.same(r.transportWaits, [], 'the transport did not retry inside the blob copy');
  t.equal(r.blobRetries.length, RETRIES);
});

for (const [kind, reply] of [
  ['503', unavailable],
  ['a reset', reset],
] as const) {
  t.test(`PATCH always ${kind}: resumes draw from the blob's budget`, async (t) => {
    const src = await scriptedServer(t, [getManifest, getBlob(ATTEMPTS)], { name: 'source' });
    const status = step('GET', `${UP}u1`, { status: 204, headers: { range: '0-0' } });
    const dst = await scriptedServer(
      t,
      [
        ...dstStart,
        post('u1'),
        ...repeat(RETRIES, step('PATCH', `${UP}u1`, reply), status),
        step('PATCH', `${UP}u1`, reply),
        cancel('u1'),
      ],
      { name: 'destination' },
    );
    const r = await copyBlob(t, src.host, dst.host, { chunkSize: 10 });
    t.equal(r.outcome, kind === '503' ? 'ERR_REGISTRY_UNAVAILABLE' : 'ERR_NETWORK');
    t.equal(count(dst.requests, 'PATCH', `${UP}u1`), ATTEMPTS, `${ATTEMPTS} PATCHes (was 25)`);
    t.equal(count(dst.requests, 'POST', UP), 1, 'one session (was 5)');
  });
}

t.test('monolithic PUT always 503: a HEAD before each new attempt, one PUT each', async (t) => {
  const src = await scriptedServer(t, [getManifest, getBlob(ATTEMPTS)], { name: 'source' });
  const attempt = (n: number) => [post(`u${n}`), commit(`u${n}`, unavailable), cancel(`u${n}`)];
  const dst = await scriptedServer(
    t,
    [
      ...dstStart,
      ...attempt(1),
      ...[2, 3, 4, 5].flatMap((n) => [step('HEAD', BLOB_PATH, { status: 404 }), ...attempt(n)]),
    ],
    { name: 'destination' },
  );
  const r = await copyBlob(t, src.host, dst.host);
  t.equal(r.outcome, 'ERR_REGISTRY_UNAVAILABLE');
  t.equal(count(dst.requests, 'PUT', /\?digest=/), ATTEMPTS);
});

t.test('closing PUT of a chunked upload always 503: the commit alone is retried', async (t) => {
  const src = await scriptedServer(t, [getManifest, getBlob()], { name: 'source' });
  const dst = await scriptedServer(
    t,
    [
      ...dstStart,
      post('u1'),
      patch('u1', 0, 9),
      patch('u1', 10, 19),
      patch('u1', 20, 29),
      commit('u1', unavailable, ATTEMPTS),
      // The last answer may have been lost after the registry committed: it is asked once.
      step('HEAD', BLOB_PATH, { status: 404 }),
      cancel('u1'),
    ],
    { name: 'destination' },
  );
  const r = await copyBlob(t, src.host, dst.host, { chunkSize: 10 });
  t.equal(r.outcome, 'ERR_REGISTRY_UNAVAILABLE');
  t.equal(count(dst.requests, 'PUT', /\?digest=/), ATTEMPTS, `${ATTEMPTS} commits (was 25)`);
  t.equal(count(dst.requests, 'PATCH', `${UP}u1`), 3, 'the chunks were sent once (was 15)');
});

t.test('source blob GET always 503: one GET per attempt, nothing opened', async (t) => {
  const src = await scriptedServer(
    t,
    [getManifest, step('GET', BLOB_PATH, unavailable, ATTEMPTS)],
    { name: 'source' },
  );
  const dst = await scriptedServer(t, dstStart, { name: 'destination' });
  const r = await copyBlob(t, src.host, dst.host);
  t.equal(r.outcome, 'ERR_REGISTRY_UNAVAILABLE');
  t.equal(count(src.requests, 'GET', BLOB_PATH), ATTEMPTS, `${ATTEMPTS} GETs (was 25)`);
  t.same(r.transportWaits, []);
});

t.test('source blob reset mid-body: one GET per attempt, each session cancelled', async (t) => {
  const midBody: Reply = {
    status: 200,
    write: (res: ServerResponse) => {
      res.writeHead(200, { 'content-length': String(BLOB.length) });
      res.write(BLOB.subarray(0, 10));
      setTimeout(() => res.socket?.resetAndDestroy(), 20);
    },
  };
  const src = await scriptedServer(t, [getManifest, step('GET', BLOB_PATH, midBody, ATTEMPTS)], {
    name: 'source',
  });
  // The cut PUT never completes at the server; the session is cancelled, and no HEAD is
  // needed: a blob whose source broke off cannot have been committed.
  const dst = await scriptedServer(
    t,
    [...dstStart, ...[1, 2, 3, 4, 5].flatMap((n) => [post(`u${n}`), cancel(`u${n}`)])],
    { name: 'destination' },
  );
  const r = await copyBlob(t, src.host, dst.host);
  t.equal(r.outcome, 'ERR_NETWORK');
  t.equal(count(src.requests, 'GET', BLOB_PATH), ATTEMPTS);
});

t.test('the HEAD before the copy always 503: retried by the transport alone', async (t) => {
  const src = await scriptedServer(t, [getManifest], { name: 'source' });
  const dst = await scriptedServer(
    t,
    [
      step('HEAD', `/v2/app/manifests/${MDIGEST}`, { status: 404 }),
      step('HEAD', BLOB_PATH, unavailable, ATTEMPTS),
    ],
    { name: 'destination' },
  );
  const r = await copyBlob(t, src.host, dst.host);
  t.equal(r.outcome, 'ERR_REGISTRY_UNAVAILABLE');
  t.equal(r.transportWaits.length, RETRIES);
  t.same(r.blobRetries, [], 'not retried again by the blob loop');
});

t.test('429 with Retry-After on the upload start: the blob loop waits it', async (t) => {
  const src = await scriptedServer(t, [getManifest, getBlob(2)], { name: 'source' });
  const dst = await scriptedServer(
    t,
    [
      ...dstStart,
      step('POST', UP, { status: 429, headers: { 'retry-after': '1' } }),
      post('u1'),
      commit('u1', { status: 201, headers: { 'docker-content-digest': config.digest } }),
      // A manifest is outside the blob copy: the transport still retries it.
      step('PUT', `/v2/app/manifests/${MDIGEST}`, unavailable),
      step('PUT', `/v2/app/manifests/${MDIGEST}`, {
        status: 201,
        headers: { 'docker-content-digest': MDIGEST },
      }),
    ],
    { name: 'destination' },
  );
  const r = await copyBlob(t, src.host, dst.host);
  t.equal(r.outcome, 'ok');
  t.equal(r.blobRetries.length, 1, 'one blob retry');
  t.ok(r.blobRetries[0]! >= 1000, `it waited the Retry-After (${r.blobRetries[0]} ms planned)`);
  t.equal(r.transportWaits.length, 1, 'the manifest PUT was retried by the transport');
});

t.test('the transport sends once with `retry: false` or inside an owned attempt', async (t) => {
  const limited: Reply = {
    status: 429,
    headers: { 'retry-after': '7' },
    body: { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] },
  };
  const reg = await scriptedServer(t, [step('HEAD', BLOB_PATH, limited, 2)]);
  const waits: number[] = [];
  const tr = createTransport({
    plainHttp: true,
    retry: { retries: RETRIES, sleep: async (ms) => void waits.push(ms) },
  });
  t.teardown(() => tr.close());
  const head = {
    registry: reg.host,
    method: 'HEAD' as const,
    path: BLOB_PATH,
    scopes: [],
    expect: [200],
    what: 'check blob',
  };
  await t.rejects(
    tr.request({ ...head, retry: false }),
    { code: 'ERR_RATE_LIMITED', status: 429, retryAfterMs: 7000 },
    'the delay the transport would have waited is in the error, for the owner',
  );
  await t.rejects(
    withRetry((_attempt, signal) => tr.request({ ...head, ...(signal && { signal }) }), {
      retries: 0,
      owner: true,
    }),
    { code: 'ERR_RATE_LIMITED', status: 429, retryAfterMs: 7000 },
  );
  t.equal(reg.requests.length, 2, 'one request each');
  t.same(waits, [], 'the transport waited for nothing');
});
