/**
 * Scripted-HTTP tests of redirects: Authorization only to the registry's own origin
 * (scheme, host and port), loops and hop limits, bodies across 307/303, and absolute
 * upload Locations on other hosts.
 */
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { staticCredentials } from '../../lib/transport/credentials.js';
import { createTransport } from '../../lib/transport/http.js';
import type { ExchangeInfo, RegistryRequest } from '../../lib/transport/types.js';
import { scriptedServer } from '../helpers/scripted-server.js';

const TOKEN = 'Bearer REGISTRY-SECRET';

function transport(t: Test, registry: string) {
  const exchanges: ExchangeInfo[] = [];
  const tr = createTransport({
    plainHttp: true,
    // A registry token is sent up front on every request to the registry's origin.
    credentials: staticCredentials({ [registry]: { registryToken: 'REGISTRY-SECRET' } }),
    retry: { retries: 0 },
    onExchange: (i) => exchanges.push(i),
  });
  t.teardown(() => tr.close());
  return { tr, exchanges };
}

const blobGet = (registry: string, path = '/v2/app/blobs/sha256:aa'): RegistryRequest => ({
  registry,
  method: 'GET',
  path,
  scopes: ['repository:app:pull'],
  expect: [200],
  what: 'fetch blob sha256:aa',
});

t.test('a redirect to another host goes without Authorization', async (t) => {
  const cdn = await scriptedServer(t, [], { name: 'cdn', host: '127.0.0.2' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  reg.add({
    method: 'GET',
    path: '/v2/app/blobs/sha256:aa',
    check: (r) => t.equal(r.headers.authorization, TOKEN, 'registry gets the token'),
    reply: {
      status: 307,
      headers: { location: `${cdn.url}/blobs/aa?X-Amz-Signature=sig123&X-Amz-Expires=60` },
    },
  });
  cdn.add({
    method: 'GET',
    path: '/blobs/aa?X-Amz-Signature=sig123&X-Amz-Expires=60',
    check: (r) => t.equal(r.headers.authorization, undefined, 'no Authorization to blob storage'),
    reply: { status: 200, body: 'layer-bytes' },
  });
  const { tr, exchanges } = transport(t, reg.host);
  const res = await tr.request(blobGet(reg.host));
  t.equal((await res.bytes(100)).toString(), 'layer-bytes');
  t.equal(res.url, `${cdn.url}/blobs/aa?X-Amz-Signature=sig123&X-Amz-Expires=60`, 'final URL');
  t.same(
    exchanges.map((e) => `${e.status} ${e.url}`),
    [
      `307 ${reg.url}/v2/app/blobs/sha256:aa`,
      `200 ${cdn.url}/blobs/aa?X-Amz-Signature=REDACTED&X-Amz-Expires=REDACTED`,
    ],
    'exchanges are reported with redacted URLs',
  );
});

t.test('same host on another port is another origin', async (t) => {
  const other = await scriptedServer(t, [], { name: 'same host, other port' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  reg.add({
    method: 'GET',
    path: '/v2/app/blobs/sha256:aa',
    reply: { status: 302, headers: { location: `${other.url}/v2/app/blobs/sha256:aa` } },
  });
  other.add({
    method: 'GET',
    path: '/v2/app/blobs/sha256:aa',
    check: (r) => t.equal(r.headers.authorization, undefined),
    reply: { status: 200, body: 'x' },
  });
  const { tr } = transport(t, reg.host);
  await (await tr.request(blobGet(reg.host))).dump();
});

t.test('a redirect within the registry keeps Authorization', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: { status: 301, headers: { location: '/storage/aa' } },
    },
    {
      method: 'GET',
      path: '/storage/aa',
      check: (r) => t.equal(r.headers.authorization, TOKEN),
      reply: { status: 200 },
    },
  ]);
  const { tr } = transport(t, reg.host);
  await (await tr.request(blobGet(reg.host))).dump();
});

t.test('a 401 from the redirected host never gets the registry token', async (t) => {
  const cdn = await scriptedServer(t, [], { name: 'cdn', host: '127.0.0.2' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  reg.add({
    method: 'GET',
    path: '/v2/app/blobs/sha256:aa',
    reply: { status: 307, headers: { location: `${cdn.url}/aa` } },
  });
  cdn.add({
    method: 'GET',
    path: '/aa',
    check: (r) => t.equal(r.headers.authorization, undefined),
    reply: {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="cdn"' },
      body: 'nope',
    },
  });
  const { tr, exchanges } = transport(t, reg.host);
  await t.rejects(tr.request(blobGet(reg.host)), { code: 'ERR_UNAUTHORIZED', status: 401 });
  t.equal(exchanges.length, 2, 'no replay with credentials');
});

t.test('a redirect loop stops', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: { status: 302, headers: { location: '/b' } },
    },
    {
      method: 'GET',
      path: '/b',
      reply: { status: 302, headers: { location: '/v2/app/blobs/sha256:aa' } },
    },
  ]);
  const { tr } = transport(t, reg.host);
  await t.rejects(tr.request(blobGet(reg.host)), {
    code: 'ERR_REDIRECT',
    message: /redirect loop/,
  });
});

t.test('more than 10 hops stop', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: (p) => p === '/v2/app/blobs/sha256:aa' || /^\/hop\d+$/.test(p),
      reply: (r) => {
        const n = r.path.startsWith('/hop') ? Number(r.path.slice(4)) + 1 : 0;
        return { status: 302, headers: { location: `/hop${n}` } };
      },
      times: 11,
    },
  ]);
  const { tr, exchanges } = transport(t, reg.host);
  await t.rejects(tr.request(blobGet(reg.host)), {
    code: 'ERR_REDIRECT',
    message: /more than 10 redirects/,
  });
  t.equal(exchanges.length, 11, 'the first request and 10 hops');
});

t.test('307 resends a bytes body; 303 turns into GET without body', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'POST',
      path: '/v2/app/blobs/uploads/',
      reply: { status: 307, headers: { location: '/v2/app/blobs/uploads/?region=2' } },
    },
    {
      method: 'POST',
      path: '/v2/app/blobs/uploads/?region=2',
      check: (r) => t.equal(r.body.toString(), 'small-blob'),
      reply: { status: 303, headers: { location: '/status' } },
    },
    {
      method: 'GET',
      path: '/status',
      check: (r) => t.equal(r.body.length, 0),
      reply: { status: 201 },
    },
  ]);
  const { tr } = transport(t, reg.host);
  const res = await tr.request({
    registry: reg.host,
    method: 'POST',
    path: '/v2/app/blobs/uploads/',
    body: Buffer.from('small-blob'),
    scopes: [],
    expect: [201],
    what: 'upload blob',
  });
  t.equal(res.status, 201);
});

t.test('307 cannot resend a streamed body', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'PUT',
      path: '/v2/app/blobs/uploads/u1',
      reply: { status: 307, headers: { location: '/elsewhere' } },
    },
  ]);
  const { tr } = transport(t, reg.host);
  await t.rejects(
    tr.request({
      registry: reg.host,
      method: 'PUT',
      path: '/v2/app/blobs/uploads/u1',
      body: Readable.from([Buffer.from('data')]),
      scopes: [],
      expect: [201],
      what: 'upload blob',
    }),
    { code: 'ERR_REDIRECT', message: /streamed body cannot be sent again/ },
  );
});

t.test('redirects to link-local addresses are refused before any request', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      reply: { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } },
    },
  ]);
  const { tr, exchanges } = transport(t, reg.host);
  await t.rejects(tr.request(blobGet(reg.host)), { code: 'ERR_REDIRECT', message: /link-local/ });
  t.equal(exchanges.length, 1);
});

t.test(
  'an absolute upload Location on another host: query kept, digest appended, no Authorization',
  async (t) => {
    const store = await scriptedServer(t, [], { name: 'upload host', host: '127.0.0.2' });
    const reg = await scriptedServer(t, [], { name: 'registry' });
    store.add({
      method: 'PUT',
      path: '/upload/u1?_state=abc%3D%3D&digest=sha256%3Aaa',
      check: (r) => t.equal(r.headers.authorization, undefined),
      reply: { status: 201 },
    });
    const { tr } = transport(t, reg.host);
    const res = await tr.request({
      registry: reg.host,
      method: 'PUT',
      path: `${store.url}/upload/u1?_state=abc%3D%3D`,
      query: { digest: 'sha256:aa' },
      body: Buffer.from(''),
      scopes: [],
      expect: [201],
      what: 'finish upload',
    });
    t.equal(res.status, 201);
  },
);

t.test('a relative path on the registry itself does get Authorization', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'PUT',
      path: `/v2/app/blobs/uploads/u1?_state=s&digest=sha256%3Aaa`,
      check: (r) => t.equal(r.headers.authorization, TOKEN),
      reply: { status: 201 },
    },
  ]);
  const { tr } = transport(t, reg.host);
  await tr.request({
    registry: reg.host,
    method: 'PUT',
    path: `${reg.url}/v2/app/blobs/uploads/u1?_state=s`,
    query: { digest: 'sha256:aa' },
    scopes: [],
    expect: [201],
    what: 'finish upload',
  });
});
