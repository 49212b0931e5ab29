import { Readable } from 'node:stream';
import t from 'tap';
import { DeadlineError } from '../errors.js';
import { toNetworkError, typeBodyErrors } from './network-error.js';
import { isRetryable } from './retry.js';

const err = (code: string, message = code) => Object.assign(new Error(message), { code });
const init = {
  method: 'GET',
  url: 'https://r.io:5000/v2/',
  host: 'r.io:5000',
  what: 'ping r.io:5000',
  timeouts: { connect: 10, headers: 20, idle: 30 },
};

t.test('toNetworkError names the problem and the fix', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [err('ECONNREFUSED'), /connection refused to r\.io:5000 — is the registry running\?$/],
    [new AggregateError([err('ECONNREFUSED')], 'x'), /connection refused to r\.io:5000/],
    [err('ENOTFOUND'), /cannot resolve host r\.io — check the registry name/],
    [err('EAI_AGAIN'), /DNS lookup of r\.io failed temporarily/],
    [err('ECONNRESET'), /connection to r\.io:5000 closed unexpectedly \(ECONNRESET\)/],
    [err('UND_ERR_CONNECT_TIMEOUT'), /timed out connecting to r\.io:5000 after 10 ms/],
    [err('UND_ERR_HEADERS_TIMEOUT'), /no response from r\.io:5000 within 20 ms/],
    [err('UND_ERR_BODY_TIMEOUT'), /stalled for more than 30 ms/],
    [
      err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      /not trusted \(SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain\) — pass --ca-file .* or --insecure/,
    ],
    [err('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), /--ca-file/],
    [err('CERT_HAS_EXPIRED'), /has expired/],
    [
      err('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      /does not match its name \(Hostname\/IP does not match certificate's altnames\) — use a name the certificate holds, or pass --insecure/,
    ],
    [
      Object.assign(err('ERR_TLS_CERT_ALTNAME_INVALID', 'x'), {
        reason: "IP: 127.0.0.1 is not in the cert's list: ",
        cert: { subjectaltname: 'DNS:registry.example' },
      }),
      /does not match its name \(the certificate is for DNS:registry\.example\)/,
    ],
    [err('EPROTO', 'wrong version number'), /use --plain-http/],
    [Object.assign(new Error('outer'), { cause: err('ECONNRESET') }), /closed unexpectedly/],
    [new Error('something else'), /failed: something else$/],
  ];
  for (const [e, re] of cases) {
    const n = toNetworkError(e, init);
    t.match(n, { code: 'ERR_NETWORK', method: 'GET', url: init.url }, String((e as Error).message));
    t.match(n.message, /^ping r\.io:5000: GET https:\/\/r\.io:5000\/v2\/ failed: /);
    t.match(n.message, re);
    t.equal(n.cause, e);
  }
});

t.test('a body that broke off: typed, and says so without the address advice', async (t) => {
  const n = toNetworkError(err('UND_ERR_SOCKET', 'other side closed'), { ...init, reading: true });
  t.equal(
    n.message,
    'ping r.io:5000: GET https://r.io:5000/v2/ failed while reading the response: connection to r.io:5000 closed unexpectedly (UND_ERR_SOCKET) — the answer broke off midway; try again later',
  );
});

t.test(
  'typeBodyErrors: raw body failures become NetworkErrors; ours and aborts pass',
  async (t) => {
    const failWith = async (e: Error, signal?: AbortSignal) => {
      const body = new Readable({ read() {} });
      typeBodyErrors(body, init, signal);
      body.destroy(e);
      return new Promise((resolve) => body.once('error', resolve));
    };
    const reset = await failWith(err('ECONNRESET'));
    t.match(reset, {
      code: 'ERR_NETWORK',
      message: /failed while reading the response: .*ECONNRESET/,
    });
    t.ok(isRetryable(reset));
    const ours = new DeadlineError('late', 'GET', 'u');
    t.equal(await failWith(ours), ours, 'a typed error is kept');
    const abort = new DOMException('stop', 'AbortError');
    t.equal(await failWith(abort), abort, 'an abort is kept');
    const ac = new AbortController();
    const reason = new Error('copy failed elsewhere');
    ac.abort(reason);
    t.equal(await failWith(reason, ac.signal), reason, "the signal's reason is kept");
  },
);
