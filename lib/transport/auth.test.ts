import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ResponseTooLargeError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  Authenticator,
  basicHeader,
  credentialSecrets,
  type TokenExchange,
  type TokenExchangeResult,
} from './auth.js';
import { chainCredentials, githubTokenCredentials, staticCredentials } from './credentials.js';
import { dockerConfigCredentials } from './docker-config.js';
import { isRetryable } from './retry.js';

const PULL = 'repository:app:pull';

function fake(answer: (req: TokenExchange) => TokenExchangeResult | Promise<TokenExchangeResult>) {
  const sent: TokenExchange[] = [];
  return {
    sent,
    send: async (req: TokenExchange) => {
      sent.push(req);
      return answer(req);
    },
  };
}
const json = (status: number, body: unknown): TokenExchangeResult => ({
  status,
  headers: {},
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const warnings: unknown[] = [];
const logger: Logger = { debug() {}, info() {}, warn: (o) => void warnings.push(o), error() {} };
const userCreds = staticCredentials({ 'r.io': { username: 'u', password: 'p' } });

t.test('an http realm of an https registry gets no credentials', async (t) => {
  const f = fake(() => json(200, { token: 'T' }));
  const a = new Authenticator({ send: f.send, credentials: userCreds, logger });
  const s = await a.onUnauthorized(
    'r.io',
    'Bearer realm="http://auth.r.io/token",service="s"',
    [PULL],
    undefined,
  );
  t.equal(s?.header, 'Bearer T');
  t.equal(f.sent[0]!.headers.authorization, undefined, 'anonymous instead');
  t.equal(
    f.sent[0]!.url.href,
    `http://auth.r.io/token?service=s&scope=${encodeURIComponent(PULL)}`,
  );
  t.equal(warnings.length, 1, 'warned');
});

t.test('an http realm of a plain-http registry does get them', async (t) => {
  const f = fake(() => json(200, { token: 'T' }));
  const a = new Authenticator({ send: f.send, credentials: userCreds, plainHttp: true });
  await a.onUnauthorized('r.io', 'Bearer realm="http://auth.r.io/token"', [PULL], undefined);
  t.equal(f.sent[0]!.headers.authorization, basicHeader('u', 'p'));
  t.equal(
    f.sent[0]!.url.searchParams.get('service'),
    null,
    'no service param when the challenge has none',
  );
});

t.test('realms that are not http(s) URLs are refused', async (t) => {
  const f = fake(() => json(200, { token: 'T' }));
  const a = new Authenticator({ send: f.send, credentials: userCreds });
  await t.rejects(a.onUnauthorized('r.io', 'Bearer realm="file:///etc/passwd"', [], undefined), {
    code: 'ERR_AUTH',
    message: /scheme file: .* only http\(s\) is accepted/,
  });
  await t.rejects(a.onUnauthorized('r.io', 'Bearer realm="not a url"', [], undefined), {
    message: /not a URL/,
  });
  t.equal(f.sent.length, 0);
});

t.test('token responses: access_token, default expiry, missing token, junk, size', async (t) => {
  const answers: TokenExchangeResult[] = [
    json(200, { access_token: 'ACC' }),
    json(200, { token: '', access_token: '' }),
    json(200, '<html>'),
    json(503, 'busy'),
  ];
  const f = fake(() => answers.shift()!);
  const a = new Authenticator({ send: f.send });
  const ch = 'Bearer realm="https://auth/token"';
  t.equal((await a.onUnauthorized('r.io', ch, ['s1'], undefined))?.header, 'Bearer ACC');
  await t.rejects(a.onUnauthorized('r.io', ch, ['s2'], undefined), {
    code: 'ERR_AUTH',
    message: /has no token/,
  });
  await t.rejects(a.onUnauthorized('r.io', ch, ['s3'], undefined), { message: /not JSON/ });
  const busy = await a.onUnauthorized('r.io', ch, ['s4'], undefined).catch((e) => e);
  t.match(busy, { code: 'ERR_REGISTRY_UNAVAILABLE', status: 503 });
  t.ok(isRetryable(busy), 'a busy token service is retried by the request');

  const big = new Authenticator({
    send: async () => {
      throw new ResponseTooLargeError('too big');
    },
  });
  await t.rejects(big.onUnauthorized('r.io', ch, [], undefined), {
    code: 'ERR_AUTH',
    message: /larger than 1 MiB/,
  });
});

t.test('concurrent requests share one token fetch; the challenge is remembered', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const f = fake(async () => {
    await gate;
    return json(200, { token: 'SHARED', expires_in: 300 });
  });
  const a = new Authenticator({ send: f.send });
  t.equal(await a.authorize('r.io', [PULL]), undefined, 'nothing known yet');
  const ch = 'Bearer realm="https://auth/token",service="s"';
  const all = Promise.all([
    a.onUnauthorized('r.io', ch, [PULL], undefined),
    a.onUnauthorized('r.io', ch, [PULL], undefined),
    a.authorize('r.io', [PULL]),
  ]);
  release();
  const states = await all;
  t.same(
    states.map((s) => s?.header),
    ['Bearer SHARED', 'Bearer SHARED', 'Bearer SHARED'],
  );
  t.equal(f.sent.length, 1);
  t.equal(a.challengeFor('r.io')?.params.service, 's');
});

t.test('Basic challenge without credentials gives up; registry token is not retried', async (t) => {
  const f = fake(() => json(200, {}));
  const a = new Authenticator({ send: f.send });
  t.equal(await a.onUnauthorized('r.io', 'Basic realm="x"', [], undefined), undefined);
  t.equal(
    await a.onUnauthorized('r.io', 'Negotiate abc', [], undefined),
    undefined,
    'unknown scheme',
  );
  t.equal(await a.onUnauthorized('r.io', undefined, [], undefined), undefined, 'no challenge');
  const rt = new Authenticator({
    send: f.send,
    credentials: staticCredentials({ 'r.io': { registryToken: 'RT' } }),
  });
  const s = await rt.authorize('r.io', []);
  t.same(s, { kind: 'registry-token', header: 'Bearer RT' });
  t.equal(await rt.onUnauthorized('r.io', 'Bearer realm="https://a/t"', [], s), undefined);
  t.equal(f.sent.length, 0);
});

t.test('noteChallenge remembers the challenge and drops the refused token', async (t) => {
  let n = 0;
  const f = fake(() => json(200, { token: `T${++n}`, expires_in: 300 }));
  const a = new Authenticator({ send: f.send });
  const ch = 'Bearer realm="https://auth/token"';
  const first = await a.onUnauthorized('r.io', ch, [PULL], undefined);
  t.equal((await a.authorize('r.io', [PULL]))?.header, 'Bearer T1');
  a.noteChallenge('r.io', ch, first);
  t.equal((await a.authorize('r.io', [PULL]))?.header, 'Bearer T2');
});

t.test(
  'explainRefusal names the credentials and what the challenge says was missing',
  async (t) => {
    const f = fake(() => json(200, { token: 'T' }));
    const withUser = new Authenticator({ send: f.send, credentials: userCreds });
    const anonymous = new Authenticator({ send: f.send });
    const scoped =
      'Bearer realm="https://auth/token",service="s",scope="repository:app:pull,push",error="insufficient_scope"';
    t.equal(
      await withUser.explainRefusal('r.io', scoped, undefined),
      'insufficient_scope: user u was not granted repository:app:pull,push',
    );
    t.equal(
      await anonymous.explainRefusal('r.io', scoped, undefined),
      'insufficient_scope: anonymous access was not granted repository:app:pull,push',
    );
    t.equal(
      await withUser.explainRefusal('r.io', scoped.replace('pull,push', 'push,pull'), undefined),
      'insufficient_scope: user u was not granted repository:app:pull,push',
      'the same refusal reads the same whatever order the registry lists the actions in',
    );
    t.match(
      await withUser.explainRefusal('r.io', 'Bearer realm="https://a/t",error="invalid_token"', {
        kind: 'bearer',
        header: 'Bearer T',
      }),
      /refused a freshly issued token \(invalid_token\)/,
    );
    t.equal(
      await withUser.explainRefusal('r.io', 'Basic realm="x"', undefined),
      'the registry refused user u',
    );
    t.equal(
      await anonymous.explainRefusal('r.io', 'Basic realm="x"', undefined),
      'r.io needs credentials',
    );
    t.equal(
      await anonymous.explainRefusal('r.io', 'Bearer realm="https://a/t"', undefined),
      'r.io needs credentials',
    );
    t.equal(
      await withUser.explainRefusal('r.io', 'Bearer realm="https://a/t"', undefined),
      undefined,
    );
    t.equal(
      await withUser.explainRefusal('r.io', 'Bearer realm="https://a/t"', {
        kind: 'registry-token',
        header: 'Bearer X',
      }),
      'the registry refused the registry token from the Docker config',
    );
    t.equal(await withUser.explainRefusal('r.io', undefined, undefined), undefined);
    t.equal(f.sent.length, 0, 'explaining sends nothing');
  },
);

t.test('a token service refusing the credentials is ERR_UNAUTHORIZED, not retried', async (t) => {
  const f = fake(() => json(401, { details: 'incorrect username or password' }));
  const a = new Authenticator({ send: f.send, credentials: userCreds });
  const err = await a
    .onUnauthorized('r.io', 'Bearer realm="https://auth/token"', [PULL], undefined)
    .catch((e) => e);
  t.match(err, {
    code: 'ERR_UNAUTHORIZED',
    status: 401,
    message: /token service answered 401 for user u \(incorrect username or password\)$/,
  });
  t.notOk(isRetryable(err));
  const anon = new Authenticator({ send: fake(() => json(403, {})).send });
  await t.rejects(anon.onUnauthorized('r.io', 'Bearer realm="https://auth/token"', [], undefined), {
    code: 'ERR_UNAUTHORIZED',
    status: 403,
    message: /for anonymous — this registry needs credentials$/,
  });
});

t.test('onSecret hears every secret before it is sent: credentials, then tokens', async (t) => {
  const heard: string[] = [];
  const f = fake(() => json(200, { token: 'fetched-token' }));
  const a = new Authenticator({
    send: f.send,
    credentials: staticCredentials({ 'r.io': { username: 'u', password: 'pw-1' } }),
    onSecret: (s) => heard.push(s),
  });
  await a.onUnauthorized('r.io', 'Bearer realm="https://auth.r.io/token"', [PULL], undefined);
  t.same(heard, ['pw-1', 'u:pw-1', 'fetched-token']);
  t.equal(f.sent[0]?.headers.authorization, basicHeader('u', 'pw-1'), 'sent after being heard');
});

t.test('credentialSecrets: passwords (and the pair), identity and registry tokens', async (t) => {
  t.same(credentialSecrets(undefined), []);
  t.same(credentialSecrets({ username: 'u', password: '' }), []);
  t.same(credentialSecrets({ username: 'u', password: 'p' }), ['p', 'u:p']);
  t.same(credentialSecrets({ identityToken: 'id', username: 'u' }), ['id']);
  t.same(credentialSecrets({ registryToken: 'rt' }), ['rt']);
});

t.test('a refusal names where the credentials came from and how to log in', async (t) => {
  const path = join(tmpdir(), `oci-promote-auth-source-${process.pid}.json`);
  await writeFile(
    path,
    JSON.stringify({
      auths: { 'r.io': { auth: Buffer.from('u:pw-secret').toString('base64') } },
      credHelpers: { 'helped.io': 'oci-promote-test-no-such-helper' },
    }),
  );
  t.teardown(() => rm(path, { force: true }));
  const fromFile = chainCredentials(
    dockerConfigCredentials({ configPath: path }),
    githubTokenCredentials({ token: 'ghs_secret' }),
  );
  const a = new Authenticator({ send: fake(() => json(401, {})).send, credentials: fromFile });

  t.equal(
    await a.explainRefusal('r.io', 'Basic realm="x"', undefined),
    `the registry refused user u — credentials from ${path}; log in again with \`oci-promote login r.io\``,
  );
  t.equal(
    await a.explainRefusal('other.io:5000', 'Basic realm="x"', undefined),
    `no credentials found for other.io:5000 in ${path} — log in with \`oci-promote login other.io:5000\``,
  );
  t.equal(
    await a.explainRefusal('other.io', 'Bearer realm="https://a/t"', undefined),
    `no credentials found for other.io in ${path} — log in with \`oci-promote login other.io\``,
  );
  // The token service refusing them says the same.
  await t.rejects(a.onUnauthorized('r.io', 'Bearer realm="https://a/t"', [PULL], undefined), {
    code: 'ERR_UNAUTHORIZED',
    message: new RegExp(
      `token service answered 401 for user u — credentials from ${path.replace(/\./g, '\\.')}; log in again with \`oci-promote login r\\.io\`$`,
    ),
  });
  // A per-registry helper answers before any auths entry: logging in would not help.
  t.equal(
    await a.explainRefusal('helped.io', 'Basic realm="x"', undefined),
    `no credentials found for helped.io in docker-credential-oci-promote-test-no-such-helper (credHelpers in ${path})`,
  );
  // ghcr.io: the token came from GITHUB_TOKEN, which is named, never shown.
  const why = await a.explainRefusal('ghcr.io', 'Basic realm="x"', undefined);
  t.equal(why, 'the registry refused user x-access-token — credentials from GITHUB_TOKEN');
  t.notMatch(why ?? '', /ghs_secret|pw-secret/);
});
