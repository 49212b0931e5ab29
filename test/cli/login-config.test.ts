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
