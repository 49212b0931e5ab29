import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCredentialHelper } from './cred-helper.js';
import {
  chainCredentials,
  describeCredentials,
  githubTokenCredentials,
  normalizeRegistryKey,
  staticCredentials,
} from './credentials.js';
import { decodeAuthEntry, dockerConfigCredentials } from './docker-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A fake credential helper: answers per server URL, logs every URL it was asked for. */
const helperScript = `#!/bin/sh
[ "$1" = get ] || { echo "unexpected action $1" >&2; exit 3; }
read -r server
echo "$server" >> "$(dirname "$0")/asked.log"
case "$server" in
  ok.example) printf '{"ServerURL":"%s","Username":"alice","Secret":"helper-pass"}' "$server" ;;
  tok.example) printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-tok"}' "$server" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"hubuser","Secret":"hub-pass"}' "$server" ;;
  empty.example) printf '{"ServerURL":"%s","Username":"","Secret":""}' "$server" ;;
  garbage.example) echo 'not json' ;;
  leak.example) echo '{"Secret":"leaked-secret"}'; exit 1 ;;
  broken.example) echo 'keychain is locked' >&2; exit 2 ;;
  slow.example) sleep 5 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;

async function setup(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-cred-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const helper = join(dir, 'docker-credential-test');
  await writeFile(helper, helperScript);
  await chmod(helper, 0o755);
  const env = { PATH: `${dir}:/usr/bin:/bin` };
  const asked = async () =>
    (await readFile(join(dir, 'asked.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { dir, env, asked };
}

t.test('normalizeRegistryKey', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['https://GHCR.io/', 'ghcr.io'],
    ['http://localhost:5000/v2/', 'localhost:5000'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
  ];
  for (const [k, want] of cases) t.equal(normalizeRegistryKey(k), want, k);
});

t.test('decodeAuthEntry', async (t) => {
  t.same(decodeAuthEntry({ auth: b64('u:p:with:colons') }, 'x'), {
    username: 'u',
    password: 'p:with:colons',
  });
  t.same(decodeAuthEntry({ username: 'u', password: 'p' }, 'x'), { username: 'u', password: 'p' });
  t.same(decodeAuthEntry({ auth: b64('u:'), identitytoken: 'idt' }, 'x'), {
    identityToken: 'idt',
    username: 'u',
  });
  t.same(decodeAuthEntry({ registrytoken: 'rt' }, 'x'), { registryToken: 'rt' });
  t.equal(decodeAuthEntry({}, 'x'), undefined);
  t.throws(() => decodeAuthEntry({ auth: b64('nocolon') }, 'auths["r"]'), {
    code: 'ERR_AUTH',
    message: /auths\["r"\]/,
  });
});

t.test('staticCredentials, githubTokenCredentials, chainCredentials', async (t) => {
  const s = staticCredentials({ 'https://index.docker.io/v1/': { username: 'a', password: 'b' } });
  t.same(await s('docker.io'), { username: 'a', password: 'b' });
  t.equal(await s('ghcr.io'), undefined);
  const m = staticCredentials(new Map([['localhost:5000', { registryToken: 'r' }]]));
  t.same(await m('localhost:5000'), { registryToken: 'r' });

  const gh = githubTokenCredentials({ token: 'ghs_x', actor: 'octocat' });
  t.same(await gh('ghcr.io'), { username: 'octocat', password: 'ghs_x' });
  t.equal(await gh('docker.io'), undefined, 'never sent to another registry');
  t.same(await githubTokenCredentials({ token: 'ghs_x' })('ghcr.io'), {
    username: 'x-access-token',
    password: 'ghs_x',
  });
  t.equal(await githubTokenCredentials({ token: undefined })('ghcr.io'), undefined);

  const chain = chainCredentials(undefined, s, gh);
  t.same(await chain('docker.io'), { username: 'a', password: 'b' });
  t.same(await chain('ghcr.io'), { username: 'octocat', password: 'ghs_x' });
  t.equal(await chain('quay.io'), undefined);

  t.equal(describeCredentials({ username: 'u', password: 'secret' }), 'user u');
  t.equal(describeCredentials({ identityToken: 'secret' }), 'identity token');
  t.equal(describeCredentials({ registryToken: 'secret' }), 'registry token');
  t.equal(describeCredentials(undefined), 'anonymous');
});

t.test('runCredentialHelper protocol', async (t) => {
  const { env, asked } = await setup(t);
  t.same(await runCredentialHelper('test', 'ok.example', { env }), {
    username: 'alice',
    password: 'helper-pass',
  });
  t.same(await runCredentialHelper('test', 'tok.example', { env }), {
    identityToken: 'refresh-tok',
  });
  t.equal(await runCredentialHelper('test', 'nothing.example', { env }), undefined, 'not found');
  t.equal(await runCredentialHelper('test', 'empty.example', { env }), undefined, 'empty secret');
  t.same(await asked(), ['ok.example', 'tok.example', 'nothing.example', 'empty.example']);

  await t.rejects(runCredentialHelper('test', 'broken.example', { env }), {
    code: 'ERR_AUTH',
    message: /docker-credential-test failed for broken\.example \(exit 2\): keychain is locked/,
  });
  const leak = await runCredentialHelper('test', 'leak.example', { env }).catch((e: Error) => e);
  t.match(leak, { code: 'ERR_AUTH' });
  t.notMatch((leak as Error).message, /leaked-secret/, 'helper output with secrets is not quoted');
  await t.rejects(runCredentialHelper('test', 'garbage.example', { env }), {
    message: /unreadable output/,
  });
  await t.rejects(runCredentialHelper('absent', 'ok.example', { env }), {
    code: 'ERR_AUTH',
    message: /docker-credential-absent not found on PATH/,
  });
  await t.rejects(runCredentialHelper('test', 'slow.example', { env, timeoutMs: 200 }), {
    message: /did not answer within 200 ms/,
  });
  await t.rejects(runCredentialHelper('../evil', 'x', { env }), {
    message: /invalid credential helper name/,
  });
});

t.test('dockerConfigCredentials: auths, credHelpers, credsStore, normalisation', async (t) => {
  const { dir, env, asked } = await setup(t);
  const configPath = join(dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:hubpass') },
        'http://localhost:5000/v2/': { username: 'loc', password: 'locpass' },
        'id.example': { auth: b64('<token>:'), identitytoken: 'idtok' },
        'rt.example': { registrytoken: 'bearer-tok' },
        'marker.example': {},
      },
      credHelpers: { 'ok.example': 'test', 'tok.example': 'test' },
      credsStore: 'test',
    }),
  );
  const creds = dockerConfigCredentials({ configPath, env });
  t.same(await creds('docker.io'), { username: 'hub', password: 'hubpass' });
  t.same(await creds('registry-1.docker.io'), { username: 'hub', password: 'hubpass' });
  t.same(await creds('localhost:5000'), { username: 'loc', password: 'locpass' });
  t.same(await creds('id.example'), { identityToken: 'idtok', username: '<token>' });
  t.same(await creds('rt.example'), { registryToken: 'bearer-tok' });
  t.same(await creds('ok.example'), { username: 'alice', password: 'helper-pass' }, 'credHelpers');
  t.same(await creds('tok.example'), { identityToken: 'refresh-tok' });
  t.equal(
    await creds('marker.example'),
    undefined,
    'empty auths entry falls to credsStore: not found',
  );
  t.equal(await creds('unknown.example'), undefined);
  t.same(await creds('ok.example'), { username: 'alice', password: 'helper-pass' }, 'remembered');
  t.same(await asked(), ['ok.example', 'tok.example', 'marker.example', 'unknown.example']);
});

t.test(
  'dockerConfigCredentials: Docker Hub via credsStore uses the legacy server URL',
  async (t) => {
    const { dir, env, asked } = await setup(t);
    const configPath = join(dir, 'config.json');
    await writeFile(
      configPath,
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': {} }, credsStore: 'test' }),
    );
    t.same(await dockerConfigCredentials({ configPath, env })('docker.io'), {
      username: 'hubuser',
      password: 'hub-pass',
    });
    t.same(await asked(), ['https://index.docker.io/v1/']);
  },
);

t.test('dockerConfigCredentials: missing, empty and broken files', async (t) => {
  const { dir, env } = await setup(t);
  t.equal(
    await dockerConfigCredentials({ configPath: join(dir, 'nope.json'), env })('r.io'),
    undefined,
  );
  const empty = join(dir, 'empty.json');
  await writeFile(empty, '');
  t.equal(await dockerConfigCredentials({ configPath: empty, env })('r.io'), undefined);
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{"auths":{"r.io":{"auth":"c2VjcmV0LXBhc3M="}');
  const err = await dockerConfigCredentials({ configPath: broken, env })('r.io').catch(
    (e: Error) => e,
  );
  t.match(err, { code: 'ERR_AUTH', message: /broken\.json is not valid JSON/ });
  t.notMatch((err as Error).message, /c2VjcmV0/, 'file content is not quoted');
  const arr = join(dir, 'arr.json');
  await writeFile(arr, '[]');
  await t.rejects(dockerConfigCredentials({ configPath: arr, env })('r.io'), {
    message: /not an object/,
  });
  const failing = join(dir, 'failing.json');
  await writeFile(failing, JSON.stringify({ credHelpers: { 'broken.example': 'test' } }));
  await t.rejects(dockerConfigCredentials({ configPath: failing, env })('broken.example'), {
    code: 'ERR_AUTH',
  });
});

t.test('the CLI chain: Docker config first, then GITHUB_TOKEN for ghcr.io only', async (t) => {
  const { dir, env } = await setup(t);
  const configPath = join(dir, 'config.json');
  const chain = (token: string | undefined) =>
    chainCredentials(
      dockerConfigCredentials({ configPath, env }),
      githubTokenCredentials({ token, actor: 'octocat' }),
    );
  // No config file at all: GITHUB_TOKEN for ghcr.io, nothing for anyone else.
  t.same(await chain('ghs_job')('ghcr.io'), { username: 'octocat', password: 'ghs_job' });
  t.same(await chain('ghs_job')('https://ghcr.io/v2/'), {
    username: 'octocat',
    password: 'ghs_job',
  });
  t.equal(await chain('ghs_job')('docker.io'), undefined, 'a GitHub token never goes elsewhere');
  t.equal(await chain('ghs_job')('ghcr.io.evil.example'), undefined);
  t.equal(await chain(undefined)('ghcr.io'), undefined, 'no token: anonymous');
  // A `docker login ghcr.io` (e.g. a PAT with more rights) wins over the job token.
  await writeFile(
    configPath,
    JSON.stringify({ auths: { 'ghcr.io': { auth: b64('me:ghp_pat') } } }),
  );
  t.same(await chain('ghs_job')('ghcr.io'), { username: 'me', password: 'ghp_pat' });
});
