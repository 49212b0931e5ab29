/**
 * Scripted-HTTP tests of the Docker token flow and Basic auth through createTransport.
 */
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { staticCredentials } from '../../lib/transport/credentials.js';
import { createTransport } from '../../lib/transport/http.js';
import { isRetryable } from '../../lib/transport/retry.js';
import type {
  Credentials,
  ExchangeInfo,
  RegistryRequest,
  TransportOptions,
} from '../../lib/transport/types.js';
import { type RecordedRequest, scriptedServer } from '../helpers/scripted-server.js';

const PULL = 'repository:app:pull';
const PUSH = 'repository:app:pull,push';

function transport(t: Test, opts: TransportOptions = {}) {
  const exchanges: ExchangeInfo[] = [];
  const tr = createTransport({
    plainHttp: true,
    retry: { minDelay: 1, maxDelay: 2, sleep: async () => {} },
    onExchange: (i) => exchanges.push(i),
    ...opts,
  });
  t.teardown(() => tr.close());
  return { tr, exchanges };
}

function creds(registry: string, c: Credentials) {
  return staticCredentials({ [registry]: c });
}

const get = (registry: string, path: string, scopes: string[] = [PULL]): RegistryRequest => ({
  registry,
  method: 'GET',
  path,
  scopes,
  expect: [200],
  what: `fetch ${path}`,
});

const bearer = (realm: string, extra = '') =>
  `Bearer realm="${realm}/token",service="test-registry"${extra}`;

/** tokenStep expects a token request for exactly `scopes` and answers `token`. */
function tokenStep(t: Test, scopes: string[], reply: object, check?: (r: RecordedRequest) => void) {
  return {
    method: 'GET',
    path: (p: string) => p.startsWith('/token?'),
    check: (r: RecordedRequest) => {
      const u = new URL(r.path, 'http://x');
      t.equal(u.searchParams.get('service'), 'test-registry', 'service param');
      t.same(u.searchParams.getAll('scope'), scopes, 'one scope param per scope');
      check?.(r);
    },
    reply: { status: 200, body: reply },
  };
}

t.test('401 -> anonymous token -> replay; then cached; new scopes prefetched', async (t) => {
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  auth.add(
    tokenStep(t, [PULL], { token: 'T1', expires_in: 300 }, (r) =>
      t.equal(r.headers.authorization, undefined, 'anonymous'),
    ),
    tokenStep(t, ['repository:other:pull'], { token: 'T2', expires_in: 300 }),
  );
  reg.add(
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      check: (r) => t.equal(r.headers.authorization, undefined, 'first try is anonymous'),
      reply: {
        status: 401,
        headers: { 'www-authenticate': bearer(auth.url, `,scope="${PULL}"`) },
        body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
      },
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      check: (r) => t.equal(r.headers.authorization, 'Bearer T1'),
      reply: { status: 200, body: 'manifest' },
    },
    {
      method: 'GET',
      path: '/v2/app/blobs/sha256:aa',
      check: (r) => t.equal(r.headers.authorization, 'Bearer T1', 'cached token sent up front'),
      reply: { status: 200, body: 'blob' },
    },
    {
      method: 'GET',
      path: '/v2/other/manifests/v1',
      check: (r) =>
        t.equal(r.headers.authorization, 'Bearer T2', 'new scope fetched before sending'),
      reply: { status: 200, body: 'other' },
    },
  );
  const { tr, exchanges } = transport(t);
  const r1 = await tr.request(get(reg.host, '/v2/app/manifests/v1'));
  t.equal((await r1.bytes(1024)).toString(), 'manifest');
  const r2 = await tr.request(get(reg.host, '/v2/app/blobs/sha256:aa'));
  t.equal((await r2.bytes(1024)).toString(), 'blob');
  const r3 = await tr.request(get(reg.host, '/v2/other/manifests/v1', ['repository:other:pull']));
  t.equal((await r3.bytes(1024)).toString(), 'other');
  t.same(
    exchanges.map((e) => `${e.status} ${new URL(e.url).pathname}`),
    [
      '401 /v2/app/manifests/v1',
      '200 /token',
      '200 /v2/app/manifests/v1',
      '200 /v2/app/blobs/sha256:aa',
      '200 /token',
      '200 /v2/other/manifests/v1',
    ],
    'onExchange sees every exchange, and no extra 401 for new scopes',
  );
});

t.test('Basic challenge: credentials sent, then sent up front', async (t) => {
  const reg = await scriptedServer(t);
  const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
  reg.add(
    {
      method: 'GET',
      path: '/v2/app/tags/list',
      reply: { status: 401, headers: { 'www-authenticate': 'Basic realm="Registry Realm"' } },
    },
    {
      method: 'GET',
      path: '/v2/app/tags/list',
      check: (r) => t.equal(r.headers.authorization, expected),
      reply: { status: 200, body: { tags: [] } },
    },
    {
      method: 'PUT',
      path: '/v2/app/manifests/v1',
      check: (r) => t.equal(r.headers.authorization, expected, 'no 401 round trip the second time'),
      reply: { status: 201 },
    },
  );
  const { tr } = transport(t, {
    credentials: creds(reg.host, { username: 'alice', password: 's3cret' }),
  });
  await (await tr.request(get(reg.host, '/v2/app/tags/list'))).dump();
  const put = await tr.request({
    registry: reg.host,
    method: 'PUT',
    path: '/v2/app/manifests/v1',
    body: Readable.from([Buffer.from('{}')]),
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    scopes: [PUSH],
    expect: [201],
    what: 'push manifest',
  });
  t.equal(put.status, 201);
});

t.test('Basic challenge with wrong credentials: one try, error without the password', async (t) => {
  const reg = await scriptedServer(t);
  reg.add({
    method: 'GET',
    path: '/v2/app/tags/list',
    reply: { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } },
    times: 2,
  });
  const { tr } = transport(t, {
    credentials: creds(reg.host, { username: 'alice', password: 'hunter2' }),
  });
  const err = (await tr.request(get(reg.host, '/v2/app/tags/list')).catch((e) => e)) as Error;
  t.match(err, {
    code: 'ERR_UNAUTHORIZED',
    status: 401,
    message: /fetch \/v2\/app\/tags\/list: GET .* answered 401/,
  });
  t.notMatch(err.message, /hunter2|YWxpY2U6aHVudGVyMg/, 'no password, no Basic header');
  t.notMatch(JSON.stringify(err), /hunter2|YWxpY2U6aHVudGVyMg/);
});

t.test(
  'Basic credentials go to the token service; insufficient_scope is retried once with the merged scope',
  async (t) => {
    const auth = await scriptedServer(t, [], { name: 'token server' });
    const reg = await scriptedServer(t, [], { name: 'registry' });
    const basic = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    auth.add(
      tokenStep(t, [PULL], { token: 'PULLTOKEN' }, (r) => t.equal(r.headers.authorization, basic)),
      tokenStep(t, [PUSH], { token: 'PUSHTOKEN' }, (r) => t.equal(r.headers.authorization, basic)),
    );
    reg.add(
      {
        method: 'POST',
        path: '/v2/app/blobs/uploads/',
        reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url) } },
      },
      {
        method: 'POST',
        path: '/v2/app/blobs/uploads/',
        check: (r) => t.equal(r.headers.authorization, 'Bearer PULLTOKEN'),
        reply: {
          status: 401,
          headers: {
            'www-authenticate': bearer(auth.url, `,scope="${PUSH}",error="insufficient_scope"`),
          },
        },
      },
      {
        method: 'POST',
        path: '/v2/app/blobs/uploads/',
        check: (r) => {
          t.equal(r.headers.authorization, 'Bearer PUSHTOKEN');
          t.equal(r.body.toString(), 'bytes', 'bytes body replayed');
        },
        reply: { status: 202, headers: { location: '/v2/app/blobs/uploads/u1' } },
      },
    );
    const { tr } = transport(t, {
      credentials: creds(reg.host, { username: 'bob', password: 'pw' }),
    });
    const res = await tr.request({
      registry: reg.host,
      method: 'POST',
      path: '/v2/app/blobs/uploads/',
      body: Buffer.from('bytes'),
      scopes: [PULL],
      expect: [202],
      what: 'start upload',
    });
    t.equal(res.header('location'), '/v2/app/blobs/uploads/u1');
  },
);

t.test('a refused token is refreshed once, then the 401 is final', async (t) => {
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  const challenge = { status: 401, headers: { 'www-authenticate': bearer(auth.url) } };
  auth.add(
    tokenStep(t, [PULL], { token: 'OLD', expires_in: 300 }),
    tokenStep(t, [PULL], { token: 'NEW', expires_in: 300 }),
    tokenStep(t, [PULL], { token: 'NEWER', expires_in: 300 }),
  );
  reg.add(
    { method: 'GET', path: '/v2/app/manifests/a', reply: challenge },
    { method: 'GET', path: '/v2/app/manifests/a', reply: { status: 200 } },
    // The registry revokes OLD (e.g. expired early): one refresh, replay.
    {
      method: 'GET',
      path: '/v2/app/manifests/b',
      check: (r) => t.equal(r.headers.authorization, 'Bearer OLD'),
      reply: challenge,
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/b',
      check: (r) => t.equal(r.headers.authorization, 'Bearer NEW'),
      reply: { status: 200 },
    },
    // Refused again after the refresh: exactly one refresh, then UnauthorizedError.
    {
      method: 'GET',
      path: '/v2/app/manifests/c',
      check: (r) => t.equal(r.headers.authorization, 'Bearer NEW'),
      reply: challenge,
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/c',
      check: (r) => t.equal(r.headers.authorization, 'Bearer NEWER'),
      reply: {
        ...challenge,
        body: {
          errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
        },
      },
    },
  );
  const { tr } = transport(t);
  await (await tr.request(get(reg.host, '/v2/app/manifests/a'))).dump();
  await (await tr.request(get(reg.host, '/v2/app/manifests/b'))).dump();
  const err = (await tr.request(get(reg.host, '/v2/app/manifests/c')).catch((e) => e)) as Error;
  t.match(err, { code: 'ERR_UNAUTHORIZED', message: /DENIED: requested access/ });
  t.notMatch(err.message, /NEWER|NEW|OLD/, 'no token in the message');
});

t.test('token expiry (expires_in) fetches a new token before sending', async (t) => {
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  auth.add(
    tokenStep(t, [PULL], { token: 'SHORT', expires_in: 1 }),
    tokenStep(t, [PULL], { token: 'NEXT', expires_in: 300 }),
  );
  reg.add(
    {
      method: 'GET',
      path: '/v2/app/manifests/a',
      reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url) } },
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/a',
      check: (r) => t.equal(r.headers.authorization, 'Bearer SHORT'),
      reply: { status: 200 },
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/b',
      check: (r) => t.equal(r.headers.authorization, 'Bearer SHORT'),
      reply: { status: 200 },
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/c',
      check: (r) => t.equal(r.headers.authorization, 'Bearer NEXT'),
      reply: { status: 200 },
    },
  );
  const { tr } = transport(t);
  await (await tr.request(get(reg.host, '/v2/app/manifests/a'))).dump();
  await (await tr.request(get(reg.host, '/v2/app/manifests/b'))).dump();
  await new Promise((r) => setTimeout(r, 950)); // lifetime 1 s, refreshed 10% early
  await (await tr.request(get(reg.host, '/v2/app/manifests/c'))).dump();
});

t.test('identity token: POST refresh_token grant, access_token answer', async (t) => {
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  auth.add({
    method: 'POST',
    path: '/token',
    check: (r) => {
      t.equal(r.headers.authorization, undefined, 'refresh token is in the form, not a header');
      t.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
      const form = new URLSearchParams(r.body.toString());
      t.equal(form.get('grant_type'), 'refresh_token');
      t.equal(form.get('refresh_token'), 'idt-123');
      t.equal(form.get('service'), 'test-registry');
      t.equal(form.get('scope'), `${PULL} repository:base:pull`);
      t.equal(form.get('client_id'), 'oci-promote');
    },
    reply: { status: 200, body: { access_token: 'ACCESS' } },
  });
  reg.add(
    {
      method: 'GET',
      path: '/v2/app/manifests/a',
      reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url) } },
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/a',
      check: (r) => t.equal(r.headers.authorization, 'Bearer ACCESS'),
      reply: { status: 200 },
    },
  );
  const { tr } = transport(t, { credentials: creds(reg.host, { identityToken: 'idt-123' }) });
  await (
    await tr.request(get(reg.host, '/v2/app/manifests/a', [PULL, 'repository:base:pull']))
  ).dump();
});

t.test('registry token (Docker config registrytoken) is sent as is, up front', async (t) => {
  const reg = await scriptedServer(t);
  reg.add({
    method: 'GET',
    path: '/v2/app/manifests/a',
    check: (r) => t.equal(r.headers.authorization, 'Bearer RT-1'),
    reply: { status: 200 },
  });
  const { tr } = transport(t, { credentials: creds(reg.host, { registryToken: 'RT-1' }) });
  await (await tr.request(get(reg.host, '/v2/app/manifests/a'))).dump();
});

t.test('token service refusing credentials: UnauthorizedError without secrets', async (t) => {
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  auth.add({
    method: 'GET',
    path: (p) => p.startsWith('/token?'),
    reply: { status: 401, body: { details: 'incorrect username or password' } },
  });
  reg.add({
    method: 'GET',
    path: '/v2/app/manifests/a',
    reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url) } },
  });
  const { tr } = transport(t, {
    credentials: creds(reg.host, { username: 'carol', password: 'topsecret' }),
  });
  const err = (await tr.request(get(reg.host, '/v2/app/manifests/a')).catch((e) => e)) as Error;
  t.match(err, {
    code: 'ERR_UNAUTHORIZED',
    status: 401,
    message: /token service answered 401 for user carol \(incorrect username or password\)$/,
  });
  t.notMatch(err.message, /topsecret/);
  t.notMatch(err.message, new RegExp(Buffer.from('carol:topsecret').toString('base64')));
});

t.test(
  'a 401 to a streamed body is not replayed; the next attempt has its token up front',
  async (t) => {
    const auth = await scriptedServer(t, [], { name: 'token server' });
    const reg = await scriptedServer(t, [], { name: 'registry' });
    auth.add(tokenStep(t, [PUSH], { token: 'UP', expires_in: 300 }));
    reg.add(
      {
        method: 'PUT',
        path: '/v2/app/blobs/uploads/u1?digest=sha256%3Aab',
        check: (r) => t.equal(r.body.toString(), 'stream-data'),
        reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url) } },
      },
      {
        method: 'PUT',
        path: '/v2/app/blobs/uploads/u2?digest=sha256%3Aab',
        check: (r) => {
          t.equal(r.headers.authorization, 'Bearer UP');
          t.equal(r.body.toString(), 'stream-data');
        },
        reply: { status: 201 },
      },
    );
    const { tr, exchanges } = transport(t);
    const put = (session: string): RegistryRequest => ({
      registry: reg.host,
      method: 'PUT',
      path: `/v2/app/blobs/uploads/${session}`,
      query: { digest: 'sha256:ab' },
      body: Readable.from([Buffer.from('stream-'), Buffer.from('data')]),
      headers: { 'content-length': '11', 'content-type': 'application/octet-stream' },
      scopes: [PUSH],
      expect: [201],
      what: 'finish upload',
    });
    const err = await tr.request(put('u1')).catch((e) => e);
    t.match(err, { code: 'ERR_UNAUTHORIZED' });
    t.ok(isRetryable(err), 'worth a new attempt: it went out anonymously, the challenge is known');
    t.equal(exchanges.length, 1, 'sent once');
    t.equal((await tr.request(put('u2'))).status, 201);
  },
);

t.test(
  'a streamed body refused with a cached token: retryable once; refused with a fresh one: final',
  async (t) => {
    const auth = await scriptedServer(t, [], { name: 'token server' });
    const reg = await scriptedServer(t, [], { name: 'registry' });
    auth.add(
      tokenStep(t, [PUSH], { token: 'CACHED', expires_in: 300 }),
      tokenStep(t, [PUSH], { token: 'FRESH', expires_in: 300 }),
    );
    const expired = {
      status: 401,
      headers: { 'www-authenticate': bearer(auth.url, `,scope="${PUSH}",error="invalid_token"`) },
    };
    reg.add(
      {
        method: 'POST',
        path: '/v2/app/blobs/uploads/',
        reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url) } },
      },
      {
        method: 'POST',
        path: '/v2/app/blobs/uploads/',
        check: (r) => t.equal(r.headers.authorization, 'Bearer CACHED'),
        reply: { status: 202, headers: { location: '/v2/app/blobs/uploads/u1' } },
      },
      // The registry stops accepting the token between the POST and the PUT.
      {
        method: 'PUT',
        path: '/v2/app/blobs/uploads/u1?digest=sha256%3Aab',
        check: (r) => t.equal(r.headers.authorization, 'Bearer CACHED'),
        reply: expired,
      },
      {
        method: 'PUT',
        path: '/v2/app/blobs/uploads/u2?digest=sha256%3Aab',
        check: (r) => t.equal(r.headers.authorization, 'Bearer FRESH', 'a new token up front'),
        reply: expired,
      },
    );
    const { tr } = transport(t);
    const post = await tr.request({
      registry: reg.host,
      method: 'POST',
      path: '/v2/app/blobs/uploads/',
      scopes: [PUSH],
      expect: [202],
      what: 'start upload',
    });
    await post.dump();
    const put = (session: string): RegistryRequest => ({
      registry: reg.host,
      method: 'PUT',
      path: `/v2/app/blobs/uploads/${session}`,
      query: { digest: 'sha256:ab' },
      body: Readable.from([Buffer.from('data')]),
      headers: { 'content-length': '4' },
      scopes: [PUSH],
      expect: [201],
      what: 'finish upload',
    });
    const stale = await tr.request(put('u1')).catch((e) => e);
    t.match(stale, { code: 'ERR_UNAUTHORIZED', status: 401 });
    t.ok(isRetryable(stale), 'a cached token refused: a new session with a new token may pass');
    const fresh = await tr.request(put('u2')).catch((e) => e);
    t.match(fresh, { code: 'ERR_UNAUTHORIZED', status: 401 });
    t.notOk(isRetryable(fresh), 'a token fetched for this very request refused: final');
    t.match(fresh.message, /refused a freshly issued token \(invalid_token\)/);
  },
);

t.test('realm on plain http gets no credentials when the registry is not plain http', async (t) => {
  // Checked at the Authenticator level (an https registry is needed otherwise); see
  // lib/transport/auth.test.ts. Here: plain-http registry and realm do get them.
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  auth.add(
    tokenStep(t, [PULL], { token: 'T' }, (r) =>
      t.equal(r.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`),
    ),
  );
  reg.add(
    {
      method: 'GET',
      path: '/v2/app/manifests/a',
      reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url) } },
    },
    { method: 'GET', path: '/v2/app/manifests/a', reply: { status: 200 } },
  );
  const { tr } = transport(t, { credentials: creds(reg.host, { username: 'u', password: 'p' }) });
  await (await tr.request(get(reg.host, '/v2/app/manifests/a'))).dump();
});

t.test('a final 401 to a HEAD says which credentials lacked which scope', async (t) => {
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  auth.add(tokenStep(t, [PULL], { token: 'T1' }), tokenStep(t, [PULL], { token: 'T2' }));
  const partial = {
    status: 401,
    headers: {
      'www-authenticate': bearer(auth.url, `,scope="${PULL}",error="insufficient_scope"`),
    },
  };
  reg.add(
    {
      method: 'HEAD',
      path: '/v2/app/manifests/a',
      reply: { status: 401, headers: { 'www-authenticate': bearer(auth.url, `,scope="${PULL}"`) } },
    },
    { method: 'HEAD', path: '/v2/app/manifests/a', reply: partial },
    { method: 'HEAD', path: '/v2/app/manifests/a', reply: partial },
  );
  const { tr } = transport(t, {
    credentials: creds(reg.host, { username: 'dan', password: 'pw' }),
  });
  const err = await tr
    .request({ ...get(reg.host, '/v2/app/manifests/a'), method: 'HEAD', what: 'check a' })
    .catch((e) => e);
  t.match(err, {
    code: 'ERR_UNAUTHORIZED',
    message: `check a: HEAD http://${reg.host}/v2/app/manifests/a answered 401 — insufficient_scope: user dan was not granted ${PULL}`,
  });
});
