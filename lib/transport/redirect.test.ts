import t from 'tap';
import {
  addressKind,
  checkTarget,
  MAX_REDIRECTS,
  nextHop,
  type RedirectInput,
} from './redirect.js';

const base = (over: Partial<RedirectInput> = {}): RedirectInput => ({
  from: new URL('https://r.io/v2/a/blobs/sha256:aa'),
  status: 307,
  location: 'https://cdn.example/x?sig=1',
  method: 'GET',
  body: 'none',
  visited: new Set(['https://r.io/v2/a/blobs/sha256:aa']),
  hops: 0,
  registryUrl: new URL('https://r.io'),
  ...over,
});

t.test('nextHop follows and resolves relative locations', async (t) => {
  t.equal(nextHop(base()).url.href, 'https://cdn.example/x?sig=1');
  t.equal(nextHop(base({ location: '/storage/aa' })).url.href, 'https://r.io/storage/aa');
  t.equal(nextHop(base({ location: 'b' })).url.href, 'https://r.io/v2/a/blobs/b');
  t.equal(
    nextHop(
      base({
        location: 'http://r.io:8080/x',
        from: new URL('http://r.io/a'),
        registryUrl: new URL('http://r.io'),
      }),
    ).url.href,
    'http://r.io:8080/x',
  );
});

t.test('nextHop refuses a downgrade from https to http', async (t) => {
  t.throws(() => nextHop(base({ location: 'http://cdn.example/x?sig=1' })), {
    code: 'ERR_REDIRECT',
    message: /downgrade from https to plain http/,
  });
  t.throws(
    () => nextHop(base({ location: 'http://r.io/v2/x' })),
    { message: /downgrade/ },
    'same host too',
  );
  t.throws(() => nextHop(base({ location: 'ftp://cdn.example/x' })), { message: /only http\(s\)/ });
  t.notMatch(
    (() => {
      try {
        nextHop(base({ location: 'http://cdn.example/x?X-Amz-Signature=secret' }));
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })(),
    /secret/,
    'the refused URL is redacted in the message',
  );
});

t.test('nextHop stops loops and long chains', async (t) => {
  t.throws(() => nextHop(base({ location: '/v2/a/blobs/sha256:aa' })), {
    message: /redirect loop/,
  });
  t.throws(() => nextHop(base({ hops: MAX_REDIRECTS })), { message: /more than 10 redirects/ });
  t.doesNotThrow(() => nextHop(base({ hops: MAX_REDIRECTS - 1 })));
  t.throws(() => nextHop(base({ location: undefined })), { message: /without a Location/ });
});

t.test('nextHop: methods and bodies', async (t) => {
  t.same(nextHop(base({ method: 'PUT', body: 'bytes' })), {
    url: new URL('https://cdn.example/x?sig=1'),
    method: 'PUT',
    keepBody: true,
  });
  t.same(nextHop(base({ status: 308, method: 'POST', body: 'bytes' })).method, 'POST');
  t.same(nextHop(base({ status: 303, method: 'PUT', body: 'bytes' })), {
    url: new URL('https://cdn.example/x?sig=1'),
    method: 'GET',
    keepBody: false,
  });
  t.same(nextHop(base({ status: 303, method: 'HEAD' })).method, 'HEAD');
  t.same(nextHop(base({ status: 302, method: 'POST', body: 'stream' })), {
    url: new URL('https://cdn.example/x?sig=1'),
    method: 'GET',
    keepBody: false,
  });
  t.throws(() => nextHop(base({ status: 307, method: 'PATCH', body: 'stream' })), {
    message: /streamed body cannot be sent again/,
  });
  t.throws(() => nextHop(base({ status: 301, method: 'PUT', body: 'stream' })), {
    message: /streamed body/,
  });
});

t.test(
  'checkTarget: link-local always refused, loopback only from loopback registries',
  async (t) => {
    const pub = new URL('https://r.io');
    const loop = new URL('http://127.0.0.1:5000');
    t.throws(() => checkTarget(new URL('https://169.254.169.254/latest'), pub), {
      message: /link-local/,
    });
    t.throws(() => checkTarget(new URL('http://169.254.169.254/latest'), loop), {
      message: /link-local/,
    });
    t.throws(() => checkTarget(new URL('https://[fe80::1]/x'), pub), { message: /link-local/ });
    t.throws(() => checkTarget(new URL('https://127.0.0.1/x'), pub), {
      message: /loopback address/,
    });
    t.throws(() => checkTarget(new URL('https://localhost:9000/x'), pub), { message: /loopback/ });
    t.throws(() => checkTarget(new URL('https://[::ffff:127.0.0.1]/x'), pub), {
      message: /loopback/,
    });
    t.doesNotThrow(() => checkTarget(new URL('http://127.0.0.2:9000/x'), loop));
    t.doesNotThrow(
      () => checkTarget(new URL('https://10.0.0.5:9000/x'), pub),
      'private ranges stay allowed (on-prem storage)',
    );
    t.doesNotThrow(() => checkTarget(new URL('https://cdn.example/x'), pub));
  },
);

t.test('addressKind', async (t) => {
  const cases: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['localhost', 'loopback'],
    ['foo.localhost', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['[::ffff:169.254.169.254]', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.1.2.3', 'other'],
    ['ghcr.io', 'other'],
    ['2001:db8::1', 'other'],
  ];
  for (const [h, want] of cases) t.equal(addressKind(h), want, h);
});
