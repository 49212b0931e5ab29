// `login` writes the Docker config through the module that reads it (lib/transport/docker-config.ts):
// a config that is not valid JSON is refused without quoting it (it holds secrets) and is
// left as it was.

import { readFile, writeFile } from 'node:fs/promises';
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';

const reg = await startRegistry(t);

t.test('a broken Docker config: refused, not quoted, not rewritten', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({});
  const broken =
    '{"auths": {"other.example.com": {"auth": "Y2Fyb2w6c2VjcmV0LWluLWNvbmZpZw=="}} oops';
  await writeFile(cli.configPath, broken);
  const r = await cli.run(
    ['login', '--plain-http', '--json', reg.host, '-u', 'alice', '--password-stdin'],
    { stdin: 'pw\n' },
  );
  t.equal(r.code, 1, r.stderr);
  t.equal(r.json().error.code, 'ERR_AUTH');
  t.match(r.stderr, `Docker config ${cli.configPath} is not valid JSON`);
  t.notMatch(r.stderr + r.stdout, /Y2Fyb2|auths/, 'nothing of the file is quoted');
  t.equal(await readFile(cli.configPath, 'utf8'), broken, 'the file is left as it was');
});

t.test('a config that is not an object: refused', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({});
  await writeFile(cli.configPath, '[]');
  const r = await cli.run(['login', '--plain-http', reg.host, '-u', 'alice', '--password-stdin'], {
    stdin: 'pw\n',
  });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, 'is not valid JSON (not an object)');
  t.equal(await readFile(cli.configPath, 'utf8'), '[]');
});

t.test('logout removes what login stored, keeps the rest; no entry is not an error', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({ 'other.example.com': { username: 'carol', password: 'x' } });
  const login = await cli.run(
    ['login', '--plain-http', reg.host, '-u', 'alice', '--password-stdin'],
    {
      stdin: 'pw\n',
    },
  );
  t.equal(login.code, 0, login.stderr);
  const out = await cli.run(['logout', '--json', reg.host]);
  t.equal(out.code, 0, out.stderr);
  t.same(out.json(), { registry: reg.host, configPath: cli.configPath, removed: [reg.host] });
  const config = JSON.parse((await cli.readDockerConfig())!);
  t.same(Object.keys(config.auths), ['other.example.com'], 'the other entry is kept');

  const again = await cli.run(['logout', reg.host]);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, `Not logged in to ${reg.host}`);
});

t.test('logout docker.io removes every name Docker Hub is stored under', async (t) => {
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({});
  await writeFile(
    cli.configPath,
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: 'YTpi' },
        'docker.io': { auth: 'YTpi' },
        'ghcr.io': { auth: 'YTpi' },
      },
    }),
  );
  const r = await cli.run(['logout', '--json', 'docker.io']);
  t.equal(r.code, 0, r.stderr);
  t.same(r.json().removed, ['https://index.docker.io/v1/', 'docker.io']);
  t.same(Object.keys(JSON.parse((await cli.readDockerConfig())!).auths), ['ghcr.io']);
});

t.test('logout of an invalid registry name: exit 2', async (t) => {
  const cli = await cliEnv(t);
  const r = await cli.run(['logout', 'UPPER_case!']);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, 'invalid registry "UPPER_case!"');
});
