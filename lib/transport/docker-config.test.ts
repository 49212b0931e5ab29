import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DOCKER_HUB_SERVER_URL } from './cred-helper.js';
import {
  dockerConfigCredentials,
  dockerConfigKey,
  readDockerConfig,
  removeDockerConfigAuth,
  storeDockerConfigAuth,
} from './docker-config.js';

const dir = await mkdtemp(join(tmpdir(), 'oci-promote-docker-config-test-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('dockerConfigKey: Docker Hub under its legacy index URL, others by name', async (t) => {
  t.equal(dockerConfigKey('docker.io'), DOCKER_HUB_SERVER_URL);
  t.equal(dockerConfigKey('ghcr.io'), 'ghcr.io');
  t.equal(dockerConfigKey('localhost:5000'), 'localhost:5000');
});

t.test('storeDockerConfigAuth writes what dockerConfigCredentials reads', async (t) => {
  const path = join(dir, 'new', 'config.json');
  t.equal(
    await storeDockerConfigAuth(path, 'docker.io', { username: 'alice', password: 'p:w' }),
    DOCKER_HUB_SERVER_URL,
  );
  t.equal((await stat(path)).mode & 0o777, 0o600, 'created 0600');
  t.equal((await stat(join(dir, 'new'))).mode & 0o777, 0o700, 'its folder 0700');
  await storeDockerConfigAuth(path, 'ghcr.io', { username: 'bob', password: 'tok' });
  const read = dockerConfigCredentials({ configPath: path });
  t.same(await read('docker.io'), { username: 'alice', password: 'p:w' });
  t.same(await read('index.docker.io'), { username: 'alice', password: 'p:w' });
  t.same(await read('ghcr.io'), { username: 'bob', password: 'tok' });
});

t.test('storeDockerConfigAuth keeps other entries and settings', async (t) => {
  const path = join(dir, 'kept.json');
  await writeFile(
    path,
    JSON.stringify({ auths: { 'a.example': { auth: 'eDp5' } }, credHelpers: { 'b.example': 'x' } }),
  );
  await storeDockerConfigAuth(path, 'c.example', { username: 'u', password: 'p' });
  t.same(await readDockerConfig(path), {
    auths: { 'a.example': { auth: 'eDp5' }, 'c.example': { auth: 'dTpw' } },
    credHelpers: { 'b.example': 'x' },
  });
});

t.test('storeDockerConfigAuth refuses a broken file and leaves it', async (t) => {
  const path = join(dir, 'broken.json');
  await writeFile(path, '{"auths": {"x": {"auth": "c2VjcmV0"}} oops');
  await t.rejects(storeDockerConfigAuth(path, 'c.example', { username: 'u', password: 'p' }), {
    code: 'ERR_AUTH',
    message: `Docker config ${path} is not valid JSON; fix or remove it`,
  });
  t.equal(await readFile(path, 'utf8'), '{"auths": {"x": {"auth": "c2VjcmV0"}} oops');
});

t.test(
  'removeDockerConfigAuth: every key of the registry, nothing else; absent is []',
  async (t) => {
    const path = join(dir, 'remove.json');
    const other = { auth: 'eDp5' };
    await writeFile(
      path,
      JSON.stringify({
        auths: { 'https://ghcr.io': other, 'ghcr.io': other, 'a.example': other },
        x: 1,
      }),
    );
    t.same(await removeDockerConfigAuth(path, 'ghcr.io'), ['https://ghcr.io', 'ghcr.io']);
    t.same(await readDockerConfig(path), { auths: { 'a.example': other }, x: 1 });
    const before = await readFile(path, 'utf8');
    t.same(await removeDockerConfigAuth(path, 'ghcr.io'), []);
    t.equal(await readFile(path, 'utf8'), before, 'not rewritten when nothing is removed');
    t.same(await removeDockerConfigAuth(join(dir, 'absent.json'), 'ghcr.io'), []);
  },
);
