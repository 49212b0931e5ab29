// Credentials against a real htpasswd registry, through the CLI: Docker config `auths`,
// anonymous and wrong credentials (exit 1, ERR_UNAUTHORIZED, no secret in any output),
// `login` writing the config (0600, other entries kept) and a later copy using it.
import { stat } from 'node:fs/promises';
import t, { type Test } from 'tap';
import { type CliResult, cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import {
  BUSYBOX_LAYOUT,
  headManifest,
  listTags,
  pushLayout,
  seedBusybox,
} from '../helpers/seed.js';

const PASSWORD = 's3cret-Pa55word';
const priv = await startRegistry(t, {
  auth: { users: { alice: PASSWORD, bob: 'hunter2-other' } },
});
const pub = await startRegistry(t);
const alice = { username: 'alice', password: PASSWORD };
const bbPub = await seedBusybox(pub, 'staging/busybox');
const privImage = await pushLayout(priv, BUSYBOX_LAYOUT, 'amd64', 'staging/busybox', 'amd64');

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** No form of a secret in stdout or stderr. */
function noSecret(t: Test, r: CliResult, ...secrets: string[]): void {
  for (const s of secrets) {
    for (const form of [s, b64(`alice:${s}`), encodeURIComponent(s)]) {
      t.notOk(r.stdout.includes(form), `stdout does not contain ${JSON.stringify(form)}`);
      t.notOk(r.stderr.includes(form), `stderr does not contain ${JSON.stringify(form)}`);
    }
  }
}
/** The one error line: the last line of stderr, naming the code. */
const errorLine = (r: CliResult) => r.stderr.trimEnd().split('\n').at(-1) ?? '';

t.test('copy with credentials from the Docker config (auths, base64)', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({ [priv.host]: alice });
  const push = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    '--log-level',
    'trace',
    `${pub.host}/staging/busybox:multiarch`,
    `${priv.host}/prod/busybox:1.0`,
  ]);
  t.equal(push.code, 0, push.stderr);
  t.equal(push.json().digest, bbPub.index);
  t.same(await listTags(priv, 'prod/busybox'), ['1.0']);
  noSecret(t, push, PASSWORD);

  // Within the htpasswd registry: blobs are mounted with the same credentials.
  const same = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${priv.host}/staging/busybox:amd64`,
    `${priv.host}/prod/same:1.0`,
  ]);
  t.equal(same.code, 0, same.stderr);
  t.same(same.json().blobs, { copied: 0, mounted: 2, skipped: 0 });

  // Out of it, to the plain registry.
  const pull = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${priv.host}/staging/busybox:amd64`,
    `${pub.host}/from-private/busybox:1.0`,
  ]);
  t.equal(pull.code, 0, pull.stderr);
  t.equal(await headManifest(pub, 'from-private/busybox', '1.0'), privImage);

  const tags = await cli.run(['tags', '--plain-http', '--json', `${priv.host}/prod/busybox`]);
  t.equal(tags.code, 0, tags.stderr);
  t.same(tags.json().tags, ['1.0']);
});

t.test('anonymous: exit 1, ERR_UNAUTHORIZED naming the registry, nothing tagged', async (t) => {
  const cli = await cliEnv(t); // no config at all
  const push = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${pub.host}/staging/busybox:amd64`,
    `${priv.host}/prod/anon:1.0`,
  ]);
  t.equal(push.code, 1, 'unauthorized push is an operational failure');
  const e = push.json();
  t.same(Object.keys(e), ['error']);
  t.same(Object.keys(e.error).sort(), ['code', 'message']);
  t.equal(e.error.code, 'ERR_UNAUTHORIZED');
  t.match(e.error.message, priv.host, 'the message names the registry');
  t.match(
    e.error.message,
    `check manifest ${priv.host}/prod/anon@${bbPub.image}: HEAD `,
    'and what was being done, as a reference',
  );
  t.match(errorLine(push), /^oci-promote: error: .*\[ERR_UNAUTHORIZED\]$/);
  t.match(errorLine(push), priv.host);
  t.same(await listTags(priv, 'prod/anon'), [], 'nothing tagged');

  const pull = await cli.run(['inspect', '--plain-http', `${priv.host}/staging/busybox:amd64`]);
  t.equal(pull.code, 1);
  t.equal(pull.stdout, '', 'nothing on stdout without --json');
  t.match(errorLine(pull), /\[ERR_UNAUTHORIZED\]$/);
  t.match(errorLine(pull), priv.host);
});

t.test('wrong password in the Docker config: exit 1, the password never printed', async (t) => {
  const cli = await cliEnv(t);
  const wrong = 'not-the-Right-one-42';
  await cli.writeDockerConfig({ [priv.host]: { username: 'alice', password: wrong } });
  const r = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    '--log-level',
    'trace',
    `${priv.host}/staging/busybox:amd64`,
    `${pub.host}/wrong/busybox:1.0`,
  ]);
  t.equal(r.code, 1);
  t.equal(r.json().error.code, 'ERR_UNAUTHORIZED');
  noSecret(t, r, wrong, PASSWORD);
  t.same(await listTags(pub, 'wrong/busybox'), []);
});

t.test(
  'login writes the Docker config (0600, other entries kept); copy then uses it',
  async (t) => {
    const cli = await cliEnv(t);
    await cli.writeDockerConfig(
      { 'other.example.com': { username: 'carol', password: 'x' } },
      { psFormat: 'table {{.ID}}' },
    );
    const r = await cli.run(
      ['login', '--plain-http', '--json', priv.host, '-u', 'alice', '--password-stdin'],
      { stdin: `${PASSWORD}\n` },
    );
    t.equal(r.code, 0, r.stderr);
    t.same(r.json(), {
      registry: priv.host,
      username: 'alice',
      configPath: cli.configPath,
      key: priv.host,
    });
    noSecret(t, r, PASSWORD);
    t.equal((await stat(cli.configPath)).mode & 0o777, 0o600, 'config mode 0600');
    const config = JSON.parse((await cli.readDockerConfig())!);
    t.same(config.auths[priv.host], { auth: b64(`alice:${PASSWORD}`) }, 'no trailing newline kept');
    t.same(config.auths['other.example.com'], { auth: b64('carol:x') }, 'other entry kept');
    t.equal(config.psFormat, 'table {{.ID}}', 'unrelated settings kept');

    const copied = await cli.run([
      'copy',
      '--plain-http',
      '--json',
      `${pub.host}/staging/busybox:arm64`,
      `${priv.host}/prod/after-login:1.0`,
    ]);
    t.equal(copied.code, 0, copied.stderr);
    t.equal(copied.json().digest, bbPub.arm64);
    t.equal(await headManifest(priv, 'prod/after-login', '1.0'), bbPub.arm64);

    // A login with no config yet creates it, 0600.
    const fresh = await cliEnv(t);
    const first = await cli.run(
      ['login', '--plain-http', priv.host, '-u', 'bob', '--password-stdin'],
      { stdin: 'hunter2-other', env: fresh.env },
    );
    t.equal(first.code, 0, first.stderr);
    t.match(first.stdout, /^Login succeeded for bob at /);
    t.equal((await stat(fresh.configPath)).mode & 0o777, 0o600);
    t.same(JSON.parse((await fresh.readDockerConfig())!).auths, {
      [priv.host]: { auth: b64('bob:hunter2-other') },
    });
  },
);

t.test('login with a wrong password: exit 1, config unchanged', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({ [priv.host]: alice });
  const before = await cli.readDockerConfig();
  const wrong = 'Wrong-Password-9';
  const r = await cli.run(
    ['login', '--plain-http', '--json', priv.host, '-u', 'alice', '--password-stdin'],
    { stdin: `${wrong}\n` },
  );
  t.equal(r.code, 1);
  t.equal(r.json().error.code, 'ERR_UNAUTHORIZED');
  t.match(r.json().error.message, priv.host);
  noSecret(t, r, wrong, PASSWORD);
  t.equal(await cli.readDockerConfig(), before, 'config bytes unchanged');

  const none = await cliEnv(t);
  const r2 = await none.run(
    ['login', '--plain-http', priv.host, '-u', 'alice', '--password-stdin'],
    {
      stdin: wrong,
    },
  );
  t.equal(r2.code, 1);
  t.equal(await none.readDockerConfig(), undefined, 'no config created');
});

t.test('login usage errors: exit 2, no request sent', async (t) => {
  const cli = await cliEnv(t);
  await priv.resetRequests();
  const noStdin = await cli.run(['login', '--plain-http', '--json', priv.host, '-u', 'alice']);
  t.equal(noStdin.code, 2);
  t.equal(noStdin.json().error.code, 'ERR_USAGE');
  const empty = await cli.run(
    ['login', '--plain-http', '--json', priv.host, '-u', 'alice', '--password-stdin'],
    { stdin: '' },
  );
  t.equal(empty.code, 2);
  t.equal(empty.json().error.code, 'ERR_USAGE');
  const badHost = await cli.run(
    ['login', '--plain-http', '--json', 'UPPER_case!', '-u', 'alice', '--password-stdin'],
    { stdin: PASSWORD },
  );
  t.equal(badHost.code, 2);
  t.same(await priv.settledRequests(), []);
  t.equal(await cli.readDockerConfig(), undefined);
});
