import { Readable } from 'node:stream';
import t from 'tap';
import { errorFromResponse, parseErrorBody, readLimited, wrapResponse } from './response.js';

t.test('parseErrorBody', async (t) => {
  t.same(
    parseErrorBody(
      '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown","detail":"sha256:aa"}]}',
    ),
    [{ code: 'BLOB_UNKNOWN', message: 'blob unknown', detail: 'sha256:aa' }],
  );
  t.same(parseErrorBody('{"errors":[{"code":"DENIED","message":""}, 3, null, {"code": 5}]}'), [
    { code: 'DENIED' },
  ]);
  t.same(parseErrorBody('{"errors":"nope"}'), []);
  t.same(parseErrorBody('null'), []);
  t.same(parseErrorBody('<html>'), []);
  t.same(parseErrorBody(''), []);
});

t.test('readLimited', async (t) => {
  t.equal(
    (
      await readLimited(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4, undefined, 'x')
    ).toString(),
    'abcd',
  );
  await t.rejects(readLimited(Readable.from([Buffer.from('abcde')]), 4, undefined, 'read x'), {
    code: 'ERR_RESPONSE_TOO_LARGE',
    message: 'read x: response is over the 4-byte limit',
  });
  let pulled = false;
  const lazy = new Readable({
    read() {
      pulled = true;
      this.push(null);
    },
  });
  await t.rejects(readLimited(lazy, 4, '5', 'read y'), {
    message: 'read y: response of 5 bytes is over the 4-byte limit',
  });
  t.notOk(pulled, 'Content-Length checked before reading');
});

t.test('errorFromResponse: Retry-After and the GHCR hint', async (t) => {
  const e1 = await errorFromResponse({
    status: 429,
    headers: { 'retry-after': '7' },
    body: Readable.from([]),
    method: 'GET',
    url: 'https://r.io/v2/',
    what: 'ping',
  });
  t.match(e1, {
    code: 'ERR_RATE_LIMITED',
    retryAfterMs: 7000,
    message: 'ping: GET https://r.io/v2/ answered 429',
  });
  const e2 = await errorFromResponse({
    status: 429,
    headers: {},
    body: Readable.from([
      Buffer.from(
        '{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 2.5s, allowed: 2000/minute"}]}',
      ),
    ]),
    method: 'GET',
    url: 'https://ghcr.io/v2/',
    what: 'ping',
  });
  t.equal(e2.retryAfterMs, 2500);
  t.ok(e2.hasCode('TOOMANYREQUESTS'));
  const e3 = await errorFromResponse({
    status: 400,
    headers: {},
    body: Readable.from([Buffer.from('retry-after: 9s')]),
    method: 'GET',
    url: 'u',
    what: 'w',
  });
  t.equal(e3.retryAfterMs, undefined, 'the hint is only read on 429/503');
});

t.test('wrapResponse.header returns the first of repeated headers, any case', async (t) => {
  const r = wrapResponse({
    status: 200,
    headers: { link: ['<a>', '<b>'], 'x-one': 'v' },
    body: Readable.from([]),
    url: 'u',
    what: 'w',
  });
  t.equal(r.header('Link'), '<a>');
  t.equal(r.header('X-One'), 'v');
  t.equal(r.header('missing'), undefined);
  await r.dump();
});

t.test('a 400 from a TLS port to plain http says to pass --no-plain-http', async (t) => {
  const go = 'Client sent an HTTP request to an HTTPS server.\n';
  const cases: Array<[string, string, Record<string, string>, string, boolean]> = [
    ['GET', 'http://r:1/v2/', {}, go, true],
    [
      'GET',
      'http://r:1/v2/',
      { server: 'nginx' },
      '<h1>The plain HTTP request was sent to HTTPS port</h1>',
      true,
    ],
    ['HEAD', 'http://r:1/v2/x/manifests/a', {}, '', true],
    ['HEAD', 'http://r:1/v2/x/manifests/a', { 'content-type': 'application/json' }, '', false],
    ['GET', 'https://r:1/v2/', {}, go, false],
    ['GET', 'http://r:1/v2/', {}, '{"errors":[{"code":"NAME_INVALID"}]}', false],
  ];
  for (const [method, url, headers, body, hinted] of cases) {
    const e = await errorFromResponse({
      status: 400,
      headers,
      body: Readable.from([Buffer.from(body)]),
      method,
      url,
      what: 'x',
    });
    t.equal(
      /the server speaks https on this port: pass --no-plain-http \(loopback registries are plain http by default\)$/.test(
        e.message,
      ),
      hinted,
      `${method} ${url} ${JSON.stringify(headers)}: ${e.message}`,
    );
  }
});

t.test('wrapResponse with a buffered body: bytes returns it, body replays it', async (t) => {
  const buffered = Buffer.from('{"tags":[]}');
  const r = wrapResponse({
    status: 200,
    headers: {},
    body: Readable.from([]),
    url: 'u',
    what: 'list tags',
    buffered,
  });
  t.equal(await r.bytes(64), buffered);
  await t.rejects(r.bytes(4), {
    code: 'ERR_RESPONSE_TOO_LARGE',
    message: 'list tags: response of 11 bytes is over the 4-byte limit',
  });
  const chunks: Buffer[] = [];
  for await (const c of r.body) chunks.push(c as Buffer);
  t.same(Buffer.concat(chunks), buffered);
});
