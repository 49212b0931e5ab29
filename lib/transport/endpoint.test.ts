import t from 'tap';
import { originOf, redactUrl, registryBaseUrl, sameOrigin } from './endpoint.js';

t.test('registryBaseUrl', async (t) => {
  t.equal(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
  t.equal(registryBaseUrl('ghcr.io'), 'https://ghcr.io');
  t.equal(registryBaseUrl('localhost:5000', { plainHttp: true }), 'http://localhost:5000');
  t.equal(registryBaseUrl('[::1]:5000', { plainHttp: true }), 'http://[::1]:5000');
});

t.test('loopback registries are plain http by default, as crane does', async (t) => {
  for (const r of [
    'localhost',
    'localhost:5000',
    'reg.localhost:5000',
    '127.0.0.1:5000',
    '127.3.2.1',
    '[::1]:5000',
  ]) {
    t.equal(registryBaseUrl(r), `http://${r}`, r);
    t.equal(registryBaseUrl(r, { plainHttp: false }), `https://${r}`, `${r} with plainHttp false`);
  }
  for (const r of [
    'registry.example:5000',
    '0.0.0.0:5000',
    '10.0.0.1',
    'localhost.example',
    'docker.io',
  ]) {
    t.match(registryBaseUrl(r), /^https:/, r);
  }
});

t.test('plainHttp per registry: a list of names or a function', async (t) => {
  const names = { plainHttp: ['Staging.example:5000'] };
  t.equal(registryBaseUrl('staging.example:5000', names), 'http://staging.example:5000');
  t.equal(registryBaseUrl('prod.example', names), 'https://prod.example', 'not named: https');
  t.equal(registryBaseUrl('docker.io', names), 'https://registry-1.docker.io');
  t.equal(registryBaseUrl('localhost:5000', names), 'http://localhost:5000', 'loopback default');
  const fn = { plainHttp: (r: string) => r === 'a.example' };
  t.equal(registryBaseUrl('a.example', fn), 'http://a.example');
  t.equal(registryBaseUrl('localhost:5000', fn), 'https://localhost:5000', 'the function decides');
  t.equal(registryBaseUrl('docker.io', { plainHttp: true }), 'http://registry-1.docker.io');
});

t.test('originOf / sameOrigin', async (t) => {
  t.equal(originOf('https://R.io/v2/'), 'https://r.io:443');
  t.ok(sameOrigin('https://r.io/a', 'https://r.io:443/b?x'));
  t.notOk(sameOrigin('https://r.io/a', 'http://r.io/a'), 'scheme differs');
  t.notOk(sameOrigin('http://127.0.0.1:5000/a', 'http://127.0.0.1:5001/a'), 'port differs');
  t.notOk(sameOrigin('https://r.io/a', 'https://cdn.r.io/a'), 'host differs');
});

t.test('redactUrl', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://user:pa55@r.io/v2/', 'https://r.io/v2/'],
    [
      'https://s3.amazonaws.com/b/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc&response-content-type=x',
      'https://s3.amazonaws.com/b/k?X-Amz-Algorithm=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&response-content-type=x',
    ],
    [
      'http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=secretstate&digest=sha256%3Aab',
      'http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=REDACTED&digest=sha256%3Aab',
    ],
    ['https://a.blob.core/x?sv=1&sig=zzz', 'https://a.blob.core/x?sv=1&sig=REDACTED'],
    ['https://t/token?access_token=zz&scope=a', 'https://t/token?access_token=REDACTED&scope=a'],
    [
      'https://t/x?Signature=1&Policy=2&Key-Pair-Id=3',
      'https://t/x?Signature=REDACTED&Policy=REDACTED&Key-Pair-Id=REDACTED',
    ],
    [
      'https://production.cloudflare.docker.com/r?verify=1746-hmac',
      'https://production.cloudflare.docker.com/r?verify=REDACTED',
    ],
    ['https://r.io/v2/x#frag', 'https://r.io/v2/x'],
    ['https://r.io/v2/_catalog?n=10&last=a', 'https://r.io/v2/_catalog?n=10&last=a'],
    ['not a url?token=1', 'not a url?REDACTED'],
  ];
  for (const [input, want] of cases) t.equal(redactUrl(input), want, input);
  t.equal(redactUrl(new URL('https://u:p@r.io/a?token=t')), 'https://r.io/a?token=REDACTED');
});
