/**
 * Which credentials file is used, against a real htpasswd registry: `--registry-config
 * FILE`, else `$REGISTRY_AUTH_FILE`, else the Docker config; login and logout write the
 * same file; a named file that is missing or unreadable is a usage error (exit 2) for
 * reading commands, and login creates it. A 401 names the file it looked in and how to
 * log in, never a secret.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../helpers/seed.js';

const PASSWORD = 'c0nfig-Pa55word';
const reg = await startRegistry(t, { auth: { users: { alice: PASSWORD } } });
const image = await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'app', 'amd64');
const dir = await mkdtemp(join(tmpdir(), 'oci-promote-registry-config-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const authFile = (name: string, auths: Record<string, string>) => {
  const entries = Object.fromEntries(
    Object.entries(auths).map(([host, pw]) => [
      host,
      { auth: Buffer.from(`alice:${pw}`).toString('base64') },
    ]),
  );
  const path = join(dir, name);
  return writeFile(path, JSON.stringify({ auths: entries })).then(() => path);
};
const digestArgs = ['digest', '--json', `${reg.host}/app:amd64`];

t.test('--registry-config: credentials come from that file', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({ [reg.host]: { username: 'alice', password: 'wrong' } });
  const file = await authFile('flag.json', { [reg.host]: PASSWORD });
  const r = await cli.run(['--registry-config', file, ...digestArgs]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  const env = await cli.run(digestArgs, { env: { REGISTRY_AUTH_FILE: join(dir, 'nope.json') } });
  t.equal(env.code, 2, 'REGISTRY_AUTH_FILE is used too (here: missing)');
  const flagWins = await cli.run(['--registry-config', file, ...digestArgs], {
    env: { REGISTRY_AUTH_FILE: join(dir, 'nope.json') },
  });
  t.equal(flagWins.code, 0, '--registry-config wins over REGISTRY_AUTH_FILE');
});

t.test('REGISTRY_AUTH_FILE: used when no flag is given, over the Docker config', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({ [reg.host]: { username: 'alice', password: 'wrong' } });
  const file = await authFile('env.json', { [reg.host]: PASSWORD });
  const r = await cli.run(digestArgs, { env: { REGISTRY_AUTH_FILE: file } });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
});

t.test('login writes the named file (created), logout removes from it', async (t) => {
  const cli = await cliEnv(t);
  const file = join(dir, 'sub', 'login.json');
  const login = await cli.run(
    ['login', '--json', '--registry-config', file, reg.host, '-u', 'alice', '--password-stdin'],
    { stdin: `${PASSWORD}\n` },
  );
  t.equal(login.code, 0, login.stderr);
  t.equal(login.json().configPath, file);
  t.match(JSON.parse(await readFile(file, 'utf8')), { auths: { [reg.host]: { auth: String } } });
  t.equal(await cli.readDockerConfig(), undefined, 'the Docker config is not touched');

  const used = await cli.run(['--registry-config', file, ...digestArgs]);
  t.equal(used.code, 0, used.stderr);

  const viaEnv = join(dir, 'env-login.json');
  const envLogin = await cli.run(['login', reg.host, '-u', 'alice', '--password-stdin'], {
    stdin: `${PASSWORD}\n`,
    env: { REGISTRY_AUTH_FILE: viaEnv },
  });
  t.equal(envLogin.code, 0, envLogin.stderr);
  t.match(JSON.parse(await readFile(viaEnv, 'utf8')), { auths: { [reg.host]: {} } });

  const out = await cli.run(['logout', '--json', '--registry-config', file, reg.host]);
  t.equal(out.code, 0, out.stderr);
  t.same(out.json().removed, [reg.host]);
  t.same(JSON.parse(await readFile(file, 'utf8')).auths, {});
});

t.test('a named file that is missing or unreadable: exit 2, naming it', async (t) => {
  const cli = await cliEnv(t);
  const missing = join(dir, 'missing.json');
  const r = await cli.run(['--registry-config', missing, ...digestArgs]);
  t.equal(r.code, 2, r.stderr);
  t.equal(r.json().error.code, 'ERR_USAGE');
  t.match(r.json().error.message, `${missing}`);
  t.match(r.json().error.message, /does not exist/);

  const env = await cli.run(digestArgs, { env: { REGISTRY_AUTH_FILE: missing } });
  t.equal(env.code, 2);
  t.match(env.json().error.message, /REGISTRY_AUTH_FILE/);

  // A folder cannot be read as a file (a mode-0 file would not do: root reads anything).
  const folder = await mkdtemp(join(dir, 'folder-'));
  const u = await cli.run(['--registry-config', folder, ...digestArgs]);
  t.equal(u.code, 2, u.stderr);
  t.match(u.json().error.message, `cannot read --registry-config ${folder}: not a file`);
});

t.test('a 401 names the credentials file and suggests login, without a secret', async (t) => {
  const cli = await cliEnv(t);
  const none = await cli.run(digestArgs);
  t.equal(none.code, 1, none.stderr);
  t.equal(none.json().error.code, 'ERR_UNAUTHORIZED');
  t.match(
    none.json().error.message,
    `no credentials found for ${reg.host} in ${cli.configPath} — log in with \`oci-promote login ${reg.host}\``,
  );

  const file = await authFile('wrong.json', { [reg.host]: 'not-the-Pa55word' });
  const wrong = await cli.run(['--registry-config', file, ...digestArgs]);
  t.equal(wrong.code, 1, wrong.stderr);
  t.match(
    wrong.json().error.message,
    `the registry refused user alice — credentials from ${file}; log in again with \`oci-promote login ${reg.host}\``,
  );
  for (const s of ['not-the-Pa55word', Buffer.from('alice:not-the-Pa55word').toString('base64')]) {
    t.notOk(`${wrong.stdout}${wrong.stderr}`.includes(s), 'no secret in the output');
  }
});
