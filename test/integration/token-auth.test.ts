/**
 * The Docker token flow against real `docker-registry` processes configured with
 * `auth: token`, trusting the harness token service (test/helpers/token-server.ts):
 * anonymous tokens, Basic to the token endpoint (Docker config and staticCredentials),
 * OAuth2 refresh tokens, wrong passwords, token expiry during a copy (the client's
 * clock and the registry's), `insufficient_scope`, and cross-repository mounts with and
 * without pull on the source. Every CLI run is checked for leaked secrets.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { copy, createClient, parseReference } from '../../lib/index.js';
import { staticCredentials } from '../../lib/transport/credentials.js';
import { createTransport } from '../../lib/transport/http.js';
import { type CliResult, cliEnv } from '../helpers/cli.js';
import {
  blobUploadRequests,
  type RequestLogEntry,
  summarizeRequests,
} from '../helpers/registry.js';
import {
  BUSYBOX_LAYOUT,
  MANIFEST_ACCEPT,
  pushLayout,
  readLayoutBlob,
  skopeoDigest,
} from '../helpers/seed.js';
import { createPki } from '../helpers/tls.js';
import {
  startTokenRegistry,
  startTokenServer,
  type TokenRequest,
} from '../helpers/token-server.js';

const USERS = {
  admin: 'admin-Pw-7f3a1c',
  alice: 'alice-Pw-9b2e4d',
  bob: 'bob-Pw-1d8c6e',
};
const alice = { username: 'alice', password: USERS.alice };
const admin = { username: 'admin', password: USERS.admin };

const pki = await createPki(t);
const ts = await startTokenServer(t, pki, {
  users: USERS,
  access: {
    admin: { '*': ['pull', 'push', 'delete'] },
    alice: { 'team/*': ['pull', 'push'], 'shared/*': ['pull'] },
    bob: { 'bob/*': ['pull', 'push'] },
    '': { 'public/*': ['pull'] },
  },
});
const [a, b] = await Promise.all([
  startTokenRegistry(t, ts, 'registry-a'),
  startTokenRegistry(t, ts, 'registry-b'),
]);

// Seeded by skopeo as admin (skopeo does its own token flow with Basic credentials).
const seedA = { host: a.host, credentials: admin };
const image = await pushLayout(seedA, BUSYBOX_LAYOUT, 'amd64', 'public/busybox');
const index = await pushLayout(seedA, BUSYBOX_LAYOUT, 'multiarch', 'public/busybox');
await pushLayout(seedA, BUSYBOX_LAYOUT, 'amd64', 'team/app');
await pushLayout(seedA, BUSYBOX_LAYOUT, 'amd64', 'shared/base');
const layer: string = JSON.parse((await readLayoutBlob(BUSYBOX_LAYOUT, image)).toString('utf8'))
  .layers[0].digest;

const cli = await cliEnv(t);

/** Every secret a run could leak: passwords, their Basic encodings, issued tokens. */
function secrets(): string[] {
  const out = [...ts.secrets()];
  for (const [user, pw] of Object.entries(USERS)) {
    out.push(pw, Buffer.from(`${user}:${pw}`).toString('base64'));
  }
  out.push('wrong-Pw-5e0f2a', Buffer.from('alice:wrong-Pw-5e0f2a').toString('base64'));
  return out;
}

function assertNoSecrets(t: Test, r: CliResult, what: string): void {
  const text = `${r.stdout}\n${r.stderr}`;
  const leaked = secrets().filter((s) => text.includes(s));
  t.same(leaked.length, 0, `${what}: no password, Basic credential or token in stdout/stderr`);
  // A JWT is three base64url parts; none may appear at all.
  t.notMatch(text, /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}/, `${what}: no JWT in the output`);
}

/** run runs the CLI at trace level (the most it ever logs) and checks for leaks. */
async function run(
  t: Test,
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  const r = await cli.run(['--plain-http', '--log-level', 'trace', ...args], opts);
  assertNoSecrets(t, r, args.slice(0, 1).join(' '));
  return r;
}

/** useConfig writes a Docker config with these `auths` (and more) for the next runs. */
async function useConfig(
  auths: Record<string, { username: string; password: string }>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await cli.writeDockerConfig(auths, extra);
}

const resetAll = async () => {
  ts.resetLog();
  await Promise.all([a.resetRequests(), b.resetRequests()]);
};

const tokenRequests = (service: string): TokenRequest[] =>
  ts.log.filter((r) => r.service === service);
const withScope = (scope: string) => (r: TokenRequest) => r.scopes.includes(scope);
const statuses = (entries: RequestLogEntry[], pred: (e: RequestLogEntry) => boolean) =>
  entries.filter(pred).map((e) => e.status);

t.afterEach(() => {
  delete ts.policy.hook;
  ts.policy.expiresIn = 300;
  delete ts.policy.validFor;
});

t.test('the JWTs have the shape distribution verifies (x5c chain, claims, access)', async (t) => {
  await resetAll();
  const res = await fetch(
    `${ts.realm}?service=registry-a&scope=repository:team/app:pull,push&scope=repository:shared/base:pull,push`,
    {
      headers: { authorization: `Basic ${Buffer.from(`alice:${USERS.alice}`).toString('base64')}` },
    },
  );
  t.equal(res.status, 200);
  const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
  t.equal(body.token, body.access_token, 'token and its OAuth2 alias');
  t.equal(body.expires_in, 300);
  const { header, claims } = ts.decode(body.token);
  t.match(header, { typ: 'JWT', alg: 'ES256' });
  t.equal((header.x5c as string[]).length, 2, 'x5c: signing certificate and intermediate');
  t.match(claims, {
    iss: ts.issuer,
    sub: 'alice',
    aud: 'registry-a',
    jti: /^[0-9a-f]{24}$/,
  });
  t.equal((claims.exp as number) - (claims.iat as number), 300);
  t.equal(claims.nbf, claims.iat);
  t.same(
    claims.access,
    [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'shared/base', actions: ['pull'] },
    ],
    'partial grant: the intersection of what was asked and what alice may do',
  );

  // The registry accepts it for what it grants, and says what is missing otherwise.
  const get = await fetch(`${a.url}/v2/team/app/manifests/amd64`, {
    headers: { authorization: `Bearer ${body.token}`, accept: MANIFEST_ACCEPT },
  });
  t.equal(get.status, 200, 'registry trusts the token');
  await get.arrayBuffer();
  const post = await fetch(`${a.url}/v2/team/app/blobs/uploads/?mount=${layer}&from=shared/base`, {
    method: 'POST',
    headers: { authorization: `Bearer ${body.token}` },
  });
  t.equal(post.status, 201, 'a mount with pull on the source and push on the target');
  await post.arrayBuffer();
  const other = await fetch(`${b.url}/v2/team/app/tags/list`, {
    headers: { authorization: `Bearer ${body.token}` },
  });
  t.equal(other.status, 401, 'registry-b refuses a token for registry-a (aud)');
  t.match(other.headers.get('www-authenticate'), /error="invalid_token"/);
  await other.arrayBuffer();
});

t.test('anonymous token for a public pull; Basic for the push side', async (t) => {
  await useConfig({ [b.host]: alice });
  await resetAll();
  const r = await run(t, [
    'copy',
    '--json',
    `${a.host}/public/busybox:multiarch`,
    `${b.host}/team/public-copy:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, index);

  const fromA = tokenRequests('registry-a');
  t.ok(fromA.length > 0, 'tokens were fetched for registry-a');
  t.same(
    [...new Set(fromA.map((x) => x.grant))],
    ['anonymous'],
    'registry-a: no credentials configured, anonymous tokens only',
  );
  t.same([...new Set(fromA.flatMap((x) => x.granted))], ['repository:public/busybox:pull']);
  const fromB = tokenRequests('registry-b');
  t.ok(
    fromB.every((x) => x.grant === 'basic' && x.subject === 'alice' && x.status === 200),
    'registry-b: Basic alice to the token endpoint',
  );
  t.ok(fromB.some(withScope('repository:team/public-copy:pull,push')), 'push scope asked');

  const logA = await a.settledRequests();
  t.equal(logA[0]?.status, 401, 'the first request was challenged');
  t.equal(logA.filter((e) => e.status === 401).length, 1, 'then every request carried its token');
  t.equal(await skopeoDigest(b, 'team/public-copy:1', alice), index, 'skopeo reads it back');
});

t.test('Basic credentials from DOCKER_CONFIG on both sides, cross-registry', async (t) => {
  await useConfig({ [a.host]: alice, [b.host]: alice });
  await resetAll();
  const r = await run(t, ['copy', '--json', `${a.host}/team/app:amd64`, `${b.host}/team/app:1`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  t.match(r.json().blobs, { copied: 2, mounted: 0 });
  t.ok(
    ts.log.every((x) => x.grant === 'basic' && x.subject === 'alice'),
    'every token request authenticated as alice',
  );
  // One token per registry and scope set: the cache serves the rest.
  const keys = ts.log.map((x) => `${x.service} ${[...x.scopes].sort().join(' ')}`);
  t.same(keys.length, new Set(keys).size, `no scope set fetched twice: ${keys.join(' | ')}`);
});

t.test('promote with --audit-log over token auth: tags, history, no secret recorded', async (t) => {
  await useConfig({ [a.host]: alice });
  await resetAll();
  const audit = join(cli.dir, 'audit.jsonl');
  const r = await run(t, [
    'promote',
    '--json',
    '--log-format',
    'json',
    '--audit-log',
    audit,
    `${a.host}/shared/base:amd64`,
    '--to',
    `${a.host}/team/promoted`,
    '--tag',
    '1.0.0',
    '--semver',
  ]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.json(), { digest: image, record: /^sha256:/ });
  const history = await run(t, ['history', '--json', `${a.host}/team/promoted`]);
  t.equal(history.code, 0, history.stderr);
  t.equal(history.json().entries.length, 4, 'one entry per tag: 1.0.0, 1.0, 1, latest');
  const recorded = await readFile(audit, 'utf8');
  t.ok(recorded.length > 0, 'the audit log was written');
  t.same(
    secrets().filter((s) => recorded.includes(s)),
    [],
    'no password or token in the audit log',
  );
  t.ok(
    ts.log.every((x) => x.subject === 'alice'),
    "tags, ledger and record pushed with alice's tokens",
  );
});

t.test('library: staticCredentials', async (t) => {
  await resetAll();
  const client = createClient({
    plainHttp: true,
    credentials: staticCredentials({ [a.host]: alice, [`http://${b.host}/v2/`]: alice }),
  });
  t.teardown(() => client.close());
  const r = await copy(
    client,
    parseReference(`${a.host}/team/app:amd64`),
    parseReference(`${b.host}/team/lib-copy:1`),
  );
  t.equal(r.digest, image);
  t.ok(ts.log.length > 0);
  t.ok(
    ts.log.every((x) => x.subject === 'alice'),
    'Basic alice on both registries',
  );
});

t.test('identity token (OAuth2 refresh token) from the Docker config', async (t) => {
  // What `docker login` stores for an OAuth2 token service: ask for an offline token.
  const res = await fetch(ts.realm, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'docker',
      access_type: 'offline',
      service: 'registry-a',
      username: 'alice',
      password: USERS.alice,
    }).toString(),
  });
  t.equal(res.status, 200);
  const { refresh_token: refreshToken } = (await res.json()) as { refresh_token: string };
  t.match(refreshToken, /^rt-/);
  await mkdir(cli.dockerConfigDir, { recursive: true });
  await writeFile(
    cli.configPath,
    JSON.stringify({ auths: { [a.host]: { identitytoken: refreshToken } } }),
  );
  await resetAll();
  const r = await run(t, ['digest', '--json', `${a.host}/team/app:amd64`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  t.match(ts.log, [
    {
      method: 'POST',
      grant: 'refresh_token',
      subject: 'alice',
      clientId: 'oci-promote',
      status: 200,
    },
  ]);
  t.equal(ts.log.length, 1);
});

t.test('a wrong password: exit 1, ERR_UNAUTHORIZED, nothing secret printed', async (t) => {
  const wrong = { username: 'alice', password: 'wrong-Pw-5e0f2a' };
  await useConfig({ [a.host]: wrong, [b.host]: wrong });
  await resetAll();
  const r = await run(t, ['copy', '--json', `${a.host}/team/app:amd64`, `${b.host}/team/nope:1`]);
  t.equal(r.code, 1, r.stderr);
  const err = r.json().error;
  t.equal(err.code, 'ERR_UNAUTHORIZED');
  t.match(
    err.message,
    /^get a token for 127\.0\.0\.1:\d+ from http:\/\/127\.0\.0\.1:\d+\/token: token service answered 401 for user alice \(UNAUTHORIZED: invalid username or password\) — credentials from \S+config\.json; log in again with `oci-promote login 127\.0\.0\.1:\d+`$/,
  );
  t.match(r.stderr, /oci-promote: error: .*user alice.* \[ERR_UNAUTHORIZED\]/);
  t.match(ts.log, [{ grant: 'basic', claimedUser: 'alice', status: 401 }]);
  t.equal(ts.log.length, 1, 'the refused credentials are not tried again');
  t.notOk((await b.settledRequests()).some((e) => e.method !== 'GET' && e.method !== 'HEAD'));

  const login = await run(t, ['login', a.host, '-u', 'alice', '--password-stdin'], {
    stdin: 'wrong-Pw-5e0f2a\n',
  });
  t.equal(login.code, 1, 'login checks the password through the token service');
  t.match(login.stderr, /ERR_UNAUTHORIZED/);
  const ok = await run(t, ['login', a.host, '-u', 'alice', '--password-stdin'], {
    stdin: `${USERS.alice}\n`,
  });
  t.equal(ok.code, 0, ok.stderr);
});

t.test(
  'insufficient_scope: the registry says so, and the client asks once more with the missing scope',
  async (t) => {
    await resetAll();
    // What the registry answers to a token lacking a scope (the spec's partial grant).
    const res = await fetch(`${ts.realm}?service=registry-a&scope=repository:team/app:pull`, {
      headers: { authorization: `Basic ${Buffer.from(`alice:${USERS.alice}`).toString('base64')}` },
    });
    const { token } = (await res.json()) as { token: string };
    const post = await fetch(`${a.url}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    t.equal(post.status, 401);
    await post.arrayBuffer();
    // distribution lists the actions in no fixed order (a Go map): pull,push or push,pull.
    const challenge = post.headers.get('www-authenticate') ?? '';
    t.ok(
      [
        `Bearer realm="${ts.realm}",service="registry-a",scope="repository:team/app:pull,push",error="insufficient_scope"`,
        `Bearer realm="${ts.realm}",service="registry-a",scope="repository:team/app:push,pull",error="insufficient_scope"`,
      ].includes(challenge),
      challenge,
    );

    // A request whose declared scopes miss what the registry needs (none at all here):
    // the challenge names the scope, and the client adds it, once.
    const tr = createTransport({
      plainHttp: true,
      credentials: staticCredentials({ [a.host]: alice }),
    });
    t.teardown(() => tr.close());
    const ping = {
      registry: a.host,
      method: 'GET' as const,
      path: '/v2/',
      scopes: [],
      expect: [200],
      what: 'ping',
    };
    await (await tr.request(ping)).dump();
    await resetAll();
    const got = await tr.request({
      registry: a.host,
      method: 'GET',
      path: '/v2/team/app/manifests/amd64',
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [],
      expect: [200],
      what: 'fetch manifest',
    });
    await got.dump();
    t.match(ts.log, [
      { scopes: ['repository:team/app:pull'], granted: ['repository:team/app:pull'] },
    ]);
    t.equal(ts.log.length, 1, 'exactly one more token');
    t.same(
      statuses(await a.settledRequests(), (e) => e.kind === 'manifest'),
      [401, 200],
    );
  },
);

t.test(
  'a partial grant during a copy: exactly one retry, then the push goes through',
  async (t) => {
    await useConfig({ [a.host]: alice, [b.host]: alice });
    const pushScope = 'repository:team/partial:pull,push';
    let narrowed = 0;
    ts.policy.hook = (req) => {
      if (req.service !== 'registry-b' || !req.scopes.includes(pushScope) || narrowed++ > 0) return;
      return { access: [{ type: 'repository', name: 'team/partial', actions: ['pull'] }] };
    };
    await resetAll();
    const r = await run(t, [
      'copy',
      '--json',
      '--jobs',
      '1',
      `${a.host}/team/app:amd64`,
      `${b.host}/team/partial:1`,
    ]);
    t.equal(r.code, 0, r.stderr);
    const asked = tokenRequests('registry-b').filter(withScope(pushScope));
    t.same(
      asked.map((x) => x.granted),
      [['repository:team/partial:pull'], [pushScope]],
      'first token lacked push; the one retry got it',
    );
    const logB = await b.settledRequests();
    t.same(
      statuses(logB, (e) => e.kind === 'blob-upload' && e.method === 'POST'),
      [401, 202, 202],
      `one insufficient_scope answer, then both uploads start: ${JSON.stringify(summarizeRequests(logB))}`,
    );
  },
);

t.test(
  'push where only pull is granted: one retry, then ERR_UNAUTHORIZED saying what was missing',
  async (t) => {
    await useConfig({ [a.host]: alice, [b.host]: alice });
    await resetAll();
    const r = await run(t, [
      'copy',
      '--json',
      '--jobs',
      '1',
      `${a.host}/team/app:amd64`,
      `${b.host}/shared/app:1`,
    ]);
    t.equal(r.code, 1, r.stderr);
    t.equal(r.json().error.code, 'ERR_UNAUTHORIZED');
    t.match(
      r.json().error.message,
      /start blob upload to .*shared\/app: POST .* answered 401 .* — insufficient_scope: user alice was not granted repository:shared\/app:pull,push \(credentials from \S+config\.json\)$/,
    );
    const asked = tokenRequests('registry-b').filter(withScope('repository:shared/app:pull,push'));
    t.same(
      asked.map((x) => x.granted),
      [['repository:shared/app:pull'], ['repository:shared/app:pull']],
      'the push token was asked for twice (first try, one retry), pull granted each time',
    );
    const posts = statuses(await b.settledRequests(), (e) => e.kind === 'blob-upload');
    t.same(posts, [401, 401], 'the upload was tried with each token, then given up');
  },
);

/**
 * expiryCopy copies team/app to registry-b with --jobs 1 while the token service holds
 * back the first push token for `delayMs`: by then the tokens of the first blob have run
 * out, and the second blob needs new ones. `validFor` (seconds) shortens what the registry
 * accepts of pull-only tokens, without the client being told.
 */
async function expiryCopy(t: Test, repo: string, delayMs: number, validFor?: number) {
  await useConfig({ [a.host]: alice, [b.host]: alice });
  const pushScope = `repository:${repo}:pull,push`;
  let delayed = false;
  ts.policy.hook = (req) => {
    if (!req.scopes.includes(pushScope)) return validFor === undefined ? undefined : { validFor };
    if (delayed) return;
    delayed = true;
    return { delayMs };
  };
  await resetAll();
  const started = performance.now();
  const r = await run(t, [
    'copy',
    '--json',
    '--jobs',
    '1',
    `${a.host}/team/app:amd64`,
    `${b.host}/${repo}:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.ok(performance.now() - started >= delayMs, 'the copy took longer than the token lifetime');
  t.match(r.json(), { digest: image, blobs: { copied: 2 } });
  return { logA: await a.settledRequests(), logB: await b.settledRequests() };
}

t.test(
  'refresh after expiry during a long copy: expires_in runs out, new tokens before sending',
  async (t) => {
    ts.policy.expiresIn = 2;
    const { logA, logB } = await expiryCopy(t, 'team/expiring', 2500);
    const pull = tokenRequests('registry-a').filter(withScope('repository:team/app:pull'));
    t.ok(pull.length >= 2, 'the source pull token was fetched again after it expired');
    t.ok(pull.at(-1)!.at - pull[0]!.at >= 2000, 'the last one after the lifetime');
    t.equal(logA.filter((e) => e.status === 401).length, 1, 'registry-a: only the first challenge');
    t.equal(logB.filter((e) => e.status === 401).length, 1, 'registry-b: only the first challenge');
  },
);

t.test(
  'a token the registry refuses as expired mid-copy (invalid_token): refreshed once, replayed',
  async (t) => {
    // The client is told 300 s; the registry stops accepting pull tokens after ~3 s.
    const { logA, logB } = await expiryCopy(t, 'team/revoked', 3500, 3);
    const pull = tokenRequests('registry-a').filter(withScope('repository:team/app:pull'));
    t.equal(pull.length, 2, 'the source pull token was refreshed after the registry refused it');
    const blobGets = logA
      .filter((e) => e.kind === 'blob' && e.method === 'GET')
      .map((e) => e.status);
    t.same(blobGets, [200, 401, 200], 'second blob: refused once, replayed with a new token');
    const stats = logB.filter((e) => e.kind === 'blob' && e.method === 'HEAD').map((e) => e.status);
    t.same(stats, [404, 401, 404], 'registry-b refused the stale token once too');
  },
);

t.test(
  'cross-repository mount: one token with pull on the source and push on the target',
  async (t) => {
    await useConfig({ [a.host]: alice });
    await resetAll();
    const r = await run(t, [
      'copy',
      '--json',
      `${a.host}/shared/base:amd64`,
      `${a.host}/team/mounted:1`,
    ]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.json(), { digest: image, blobs: { mounted: 2, copied: 0 }, bytesCopied: 0 });
    const mountTokens = ts.log.filter(
      (x) =>
        x.scopes.includes('repository:shared/base:pull') &&
        x.scopes.includes('repository:team/mounted:pull,push'),
    );
    t.equal(mountTokens.length, 1, 'one token for both scopes');
    t.same(mountTokens[0]?.granted, [
      'repository:shared/base:pull',
      'repository:team/mounted:pull,push',
    ]);
    const log = await a.settledRequests();
    const mounts = log.filter((e) => e.mount);
    t.same(
      mounts.map((e) => [e.status, new URLSearchParams(e.query).get('from')]),
      [
        [201, 'shared/base'],
        [201, 'shared/base'],
      ],
      'both blobs mounted (201), sent with the right token at once',
    );
    t.same(
      blobUploadRequests(log),
      [],
      `no blob bytes uploaded: ${JSON.stringify(summarizeRequests(log))}`,
    );
  },
);

t.test('mount refused for lack of pull on the source: the copy uploads instead', async (t) => {
  // This token service will not put the source's pull into a token that pushes
  // elsewhere (a per-namespace token scoping): the mount is answered 401 even after the
  // insufficient_scope retry, and the blobs are streamed instead (ggcr#1681).
  ts.policy.hook = (req) => {
    const push = req.scopes.find((s) => s.endsWith(':pull,push'));
    if (!push || req.scopes.length < 2) return;
    const name = push.slice('repository:'.length, -':pull,push'.length);
    return { access: [{ type: 'repository', name, actions: ['pull', 'push'] }] };
  };
  await useConfig({ [a.host]: alice });
  await resetAll();
  const r = await run(t, [
    'copy',
    '--json',
    '--jobs',
    '1',
    `${a.host}/shared/base:amd64`,
    `${a.host}/team/unmounted:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.json(), { digest: image, blobs: { mounted: 0, copied: 2 } });
  const log = await a.settledRequests();
  t.ok(log.filter((e) => e.mount).length >= 2, 'mounts were tried');
  t.ok(
    log.filter((e) => e.mount).every((e) => e.status === 401),
    'and refused',
  );
  t.same(
    statuses(log, (e) => e.kind === 'blob-upload' && e.method === 'PUT'),
    [201, 201],
    'both blobs uploaded',
  );
  t.equal(await skopeoDigest(a, 'team/unmounted:1', admin), image);
});
