/**
 * Scripted-HTTP tests of retries: which failures are retried, how long the transport
 * waits (recorded through the injected sleep, so the tests stay fast), and that a
 * streamed body is never sent twice.
 */
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { createTransport } from '../../lib/transport/http.js';
import type { ExchangeInfo, RegistryRequest, TransportOptions } from '../../lib/transport/types.js';
import { scriptedServer } from '../helpers/scripted-server.js';

function transport(t: Test, opts: TransportOptions = {}) {
  const waits: number[] = [];
  const exchanges: ExchangeInfo[] = [];
  const tr = createTransport({
    plainHttp: true,
    retry: {
      retries: 4,
      minDelay: 1,
      maxDelay: 4,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...opts.retry,
    },
    onExchange: (i) => exchanges.push(i),
    ...(opts.timeouts && { timeouts: opts.timeouts }),
  });
  t.teardown(() => tr.close());
  return { tr, waits, exchanges };
}

const head = (registry: string): RegistryRequest => ({
  registry,
  method: 'HEAD',
  path: '/v2/app/blobs/sha256:aa',
  scopes: [],
  expect: [200],
  what: 'check blob sha256:aa',
});
const getReq = (registry: string): RegistryRequest => ({ ...head(registry), method: 'GET' });

t.test('429 with Retry-After in seconds: waits that long, then succeeds', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: {
        status: 429,
        headers: { 'retry-after': '2' },
        body: { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] },
      },
    },
    { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 200, body: 'ok' } },
  ]);
  const { tr, waits } = transport(t);
  const res = await tr.request(getReq(reg.host));
  t.equal((await res.bytes(10)).toString(), 'ok');
  t.same(waits, [2000], 'Retry-After: 2 honoured (backoff alone would be ~1 ms)');
});

t.test('429 with Retry-After as an HTTP date', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'HEAD',
      path: '/v2/app/blobs/sha256:aa',
      reply: () => ({
        status: 429,
        headers: { 'retry-after': new Date(Date.now() + 5000).toUTCString() },
      }),
    },
    { method: 'HEAD', path: '/v2/app/blobs/sha256:aa', reply: { status: 200 } },
  ]);
  const { tr, waits } = transport(t);
  await (await tr.request(head(reg.host))).dump();
  t.equal(waits.length, 1);
  t.ok(waits[0]! > 3000 && waits[0]! <= 5000, `waited ~5 s (date has 1 s resolution): ${waits[0]}`);
});

t.test('a huge Retry-After is capped', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'HEAD',
      path: '/v2/app/blobs/sha256:aa',
      reply: { status: 503, headers: { 'retry-after': '1746136938' } },
    },
    { method: 'HEAD', path: '/v2/app/blobs/sha256:aa', reply: { status: 200 } },
  ]);
  const { tr, waits } = transport(t, { retry: { maxRetryAfter: 7000 } });
  await (await tr.request(head(reg.host))).dump();
  t.same(waits, [7000]);
});

t.test("GHCR's body hint and Docker Hub's plain-text HAP429", async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: {
        status: 429,
        body: {
          errors: [
            { code: 'TOOMANYREQUESTS', message: 'retry-after: 10.3ms, allowed: 2000/minute' },
          ],
        },
      },
    },
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: {
        status: 429,
        headers: { 'retry-after': '3', 'content-type': 'text/plain' },
        body: 'Too Many Requests (HAP429).\n',
      },
    },
    { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 200 } },
  ]);
  const { tr, waits } = transport(t);
  await (await tr.request(getReq(reg.host))).dump();
  t.same(waits, [1000, 3000], 'hint raised to the 1 s floor; HAP429 Retry-After honoured');
});

t.test('503 burst then success; a reset connection is retried too', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 503 }, times: 2 },
    { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 502 } },
    { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 0, destroy: true } },
    { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 200, body: 'finally' } },
  ]);
  const { tr, waits, exchanges } = transport(t);
  const res = await tr.request(getReq(reg.host));
  t.equal((await res.bytes(100)).toString(), 'finally');
  t.equal(waits.length, 4, 'four retries');
  t.same(
    exchanges.map((e) => e.status),
    [503, 503, 502, 200],
    'the reset has no exchange',
  );
});

t.test('retries run out: the last error is thrown', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 500 }, times: 3 },
  ]);
  const { tr } = transport(t, { retry: { retries: 2 } });
  await t.rejects(tr.request(getReq(reg.host)), {
    code: 'ERR_REGISTRY_UNAVAILABLE',
    status: 500,
    message: /check blob sha256:aa: GET .* answered 500/,
  });
});

t.test('400 and 404 are not retried', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: { status: 404, body: { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] } },
    },
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: { status: 400, body: { errors: [{ code: 'DIGEST_INVALID' }] } },
    },
  ]);
  const { tr, waits } = transport(t);
  await t.rejects(tr.request(getReq(reg.host)), { code: 'ERR_NOT_FOUND', status: 404 });
  await t.rejects(tr.request(getReq(reg.host)), { code: 'ERR_REGISTRY', status: 400 });
  t.same(waits, []);
});

t.test('a streamed body is sent once: no retry on 503', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1',
      check: (r) => t.equal(r.body.toString(), 'chunk'),
      reply: { status: 503 },
    },
  ]);
  const { tr, waits, exchanges } = transport(t);
  await t.rejects(
    tr.request({
      registry: reg.host,
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1',
      body: Readable.from([Buffer.from('chunk')]),
      scopes: [],
      expect: [202],
      what: 'upload chunk',
    }),
    { code: 'ERR_REGISTRY_UNAVAILABLE', status: 503 },
  );
  t.equal(exchanges.length, 1);
  t.same(waits, []);
});

t.test('a bytes body is sent again on retry', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'PUT', path: '/v2/app/manifests/v1', reply: { status: 502 } },
    {
      method: 'PUT',
      path: '/v2/app/manifests/v1',
      check: (r) => t.equal(r.body.toString(), '{"x":1}'),
      reply: { status: 201 },
    },
  ]);
  const { tr } = transport(t);
  const res = await tr.request({
    registry: reg.host,
    method: 'PUT',
    path: '/v2/app/manifests/v1',
    body: Buffer.from('{"x":1}'),
    scopes: [],
    expect: [201],
    what: 'push manifest',
  });
  t.equal(res.status, 201);
});

t.test(
  'headers timeout (undici fires it at ~1 s resolution) is a retryable network error',
  async (t) => {
    let n = 0;
    const reg = await scriptedServer(t, [
      {
        method: 'GET',
        path: '/v2/app/blobs/sha256:aa',
        reply: async () => {
          n++;
          await new Promise((r) => setTimeout(r, 2500));
          return { status: 200 };
        },
      },
      { method: 'GET', path: '/v2/app/blobs/sha256:aa', reply: { status: 200, body: 'fast' } },
    ]);
    const { tr, waits } = transport(t, { timeouts: { headers: 500 } });
    const res = await tr.request(getReq(reg.host));
    t.equal((await res.bytes(10)).toString(), 'fast');
    t.equal(n, 1);
    t.equal(waits.length, 1);
  },
);

t.test('an aborted signal stops retrying', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: { status: 429, headers: { 'retry-after': '30' } },
    },
  ]);
  const tr = createTransport({ plainHttp: true });
  t.teardown(() => tr.close());
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('user cancelled')), 100);
  const started = Date.now();
  await t.rejects(tr.request({ ...getReq(reg.host), signal: ac.signal }), {
    message: 'user cancelled',
  });
  t.ok(Date.now() - started < 5000, 'did not wait out the Retry-After');
});
