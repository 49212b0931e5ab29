import t from 'tap';
import { toNetworkError } from './network-error.js';

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
