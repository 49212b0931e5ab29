/**
 * Scripted-HTTP tests of what errors and responses look like: registry error bodies,
 * `what` in messages, redacted URLs, no secrets, body limits, network failures,
 * headers sent.
 */
import { createServer } from 'node:net';
import t, { type Test } from 'tap';
import { staticCredentials } from '../../lib/transport/credentials.js';
import { createTransport } from '../../lib/transport/http.js';
import type { RegistryRequest, TransportOptions } from '../../lib/transport/types.js';
import { scriptedServer } from '../helpers/scripted-server.js';

function transport(t: Test, opts: TransportOptions = {}) {
  const tr = createTransport({ plainHttp: true, retry: { retries: 0 }, ...opts });
  t.teardown(() => tr.close());
  return tr;
}

const req = (registry: string, extra: Partial<RegistryRequest> = {}): RegistryRequest => ({
  registry,
  method: 'GET',
  path: '/v2/app/manifests/v1',
  scopes: [],
  expect: [200],
  what: 'fetch manifest app:v1',
  ...extra,
});

t.test('registry error body: codes, messages and `what` in the error', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: {
        status: 404,
        body: {
          errors: [
            { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v1' } },
            { code: 'NAME_UNKNOWN' },
            { message: 'no code: skipped' },
          ],
        },
      },
    },
  ]);
  const err = await transport(t)
    .request(req(reg.host))
    .catch((e) => e);
  t.match(err, {
    code: 'ERR_NOT_FOUND',
    status: 404,
    method: 'GET',
    url: `${reg.url}/v2/app/manifests/v1`,
    errors: [
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v1' } },
      { code: 'NAME_UNKNOWN' },
    ],
  });
  t.equal(err.errors.length, 2);
  t.equal(
    err.message,
    `fetch manifest app:v1: GET ${reg.url}/v2/app/manifests/v1 answered 404 (MANIFEST_UNKNOWN: manifest unknown; NAME_UNKNOWN)`,
  );
  t.ok(err.hasCode('MANIFEST_UNKNOWN'));
});

t.test('non-JSON and oversized error bodies; HEAD errors', async (t) => {
  const big = 'x'.repeat(2 * 1024 * 1024);
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: { status: 400, headers: { 'content-type': 'text/html' }, body: '<html>bad</html>' },
    },
    { method: 'GET', path: '/v2/app/manifests/v1', reply: { status: 413, body: big } },
    { method: 'HEAD', path: '/v2/app/manifests/v1', reply: { status: 404 } },
    { method: 'GET', path: '/v2/app/manifests/v2', reply: { status: 200, body: 'after' } },
  ]);
  const tr = transport(t);
  await t.rejects(tr.request(req(reg.host)), { code: 'ERR_REGISTRY', status: 400, errors: [] });
  await t.rejects(tr.request(req(reg.host)), {
    status: 413,
    message: /fetch manifest app:v1: GET .* answered 413$/,
  });
  await t.rejects(tr.request(req(reg.host, { method: 'HEAD' })), { code: 'ERR_NOT_FOUND' });
  const ok = await tr.request(req(reg.host, { path: '/v2/app/manifests/v2' }));
  t.equal((await ok.bytes(10)).toString(), 'after', 'the transport still works afterwards');
});

t.test('URLs in errors are redacted; credentials never appear', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'PUT',
      path: (p) => p.startsWith('/v2/app/blobs/uploads/u1?'),
      reply: { status: 400, body: { errors: [{ code: 'DIGEST_INVALID', message: 'bad digest' }] } },
    },
  ]);
  const tr = transport(t, {
    credentials: staticCredentials({ [reg.host]: { registryToken: 'very-secret-token' } }),
  });
  const err = await tr
    .request(
      req(reg.host, {
        method: 'PUT',
        path: `http://user:pa55word@${reg.host}/v2/app/blobs/uploads/u1?_state=SECRETSTATE`,
        query: { digest: 'sha256:aa' },
        expect: [201],
        what: 'finish upload of sha256:aa',
      }),
    )
    .catch((e) => e);
  t.equal(
    err.url,
    `${reg.url}/v2/app/blobs/uploads/u1?_state=REDACTED&digest=sha256%3Aaa`,
    'userinfo dropped, _state redacted, digest kept',
  );
  const everything = `${err.message}\n${JSON.stringify(err)}\n${err.stack}`;
  t.notMatch(everything, /SECRETSTATE|pa55word|very-secret-token/);
  t.match(err.message, /^finish upload of sha256:aa: PUT /);
});

t.test('bytes(limit): by Content-Length, and by counting a chunked body', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: '/v2/app/manifests/v1', reply: { status: 200, body: 'x'.repeat(100) } },
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: {
        status: 200,
        headers: { 'transfer-encoding': 'chunked' },
        body: 'y'.repeat(100),
      },
    },
    { method: 'GET', path: '/v2/app/manifests/v1', reply: { status: 200, body: 'z'.repeat(100) } },
  ]);
  const tr = transport(t);
  const a = await tr.request(req(reg.host));
  await t.rejects(a.bytes(99), {
    code: 'ERR_RESPONSE_TOO_LARGE',
    message: /fetch manifest app:v1: response of 100 bytes is over the 99-byte limit/,
  });
  const b = await tr.request(req(reg.host));
  t.equal(b.header('content-length'), undefined);
  await t.rejects(b.bytes(99), {
    code: 'ERR_RESPONSE_TOO_LARGE',
    message: /over the 99-byte limit/,
  });
  const c = await tr.request(req(reg.host));
  t.equal((await c.bytes(100)).length, 100, 'exactly the limit is fine');
});

t.test('User-Agent, caller headers and repeated query parameters are sent', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/tags/list?n=2&last=a&x=1&x=2',
      check: (r) => {
        t.equal(r.headers['user-agent'], 'oci-promote/9.9.9');
        t.equal(r.headers.accept, 'application/json');
      },
      reply: { status: 200, headers: { link: ['</next>; rel="next"'] }, body: '{}' },
    },
  ]);
  const tr = transport(t, { userAgent: 'oci-promote/9.9.9' });
  const res = await tr.request(
    req(reg.host, {
      path: '/v2/app/tags/list',
      query: { n: '2', last: 'a', x: ['1', '2'] },
      headers: { Accept: 'application/json' },
    }),
  );
  t.equal(res.header('Link'), '</next>; rel="next"');
  await res.dump();
});

t.test('connection refused: a clear NetworkError', async (t) => {
  // Find a free port, then close it so nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const tr = transport(t, {
    retry: {
      retries: 3,
      sleep: async () => {
        t.fail('refused is not retried');
      },
    },
  });
  await t.rejects(tr.request(req(`127.0.0.1:${port}`)), {
    code: 'ERR_NETWORK',
    message: `fetch manifest app:v1: GET http://127.0.0.1:${port}/v2/app/manifests/v1 failed: connection refused to 127.0.0.1:${port} — is the registry running?`,
  });
});

t.test('a connection reset without retries left is a NetworkError', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: '/v2/app/manifests/v1', reply: { status: 0, destroy: true } },
  ]);
  await t.rejects(transport(t).request(req(reg.host)), {
    code: 'ERR_NETWORK',
    message:
      /fetch manifest app:v1: GET .* failed: connection to 127\.0\.0\.1:\d+ closed unexpectedly/,
  });
});

t.test('a path that is neither absolute nor a URL is refused', async (t) => {
  await t.rejects(transport(t).request(req('127.0.0.1:1', { path: 'v2/x' })), {
    message: /request path must start with "\/"/,
  });
});
