/**
 * Docker credential helpers for real: tiny `docker-credential-<name>` shell programs
 * written by the test into a folder on the PATH given to the CLI, named by the Docker
 * config's `credHelpers` (per registry) or `credsStore` (every registry), in front of a
 * real htpasswd-protected `docker-registry`. Each helper logs how it was called (argument
 * and the server URL read on stdin) so the protocol is checked, not just the outcome.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type CliResult, cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../helpers/seed.js';

const SECRET = 'helper-Secret-8d1f0b';
const [src, reg] = await Promise.all([
  startRegistry(t),
  startRegistry(t, { auth: { users: { robot: SECRET } } }),
]);
const image = await pushLayout(src, BUSYBOX_LAYOUT, 'amd64', 'staging/app');
const cli = await cliEnv(t);
const bin = await mkdtemp(join(tmpdir(), 'oci-promote-helpers-'));
t.teardown(() => rm(bin, { recursive: true, force: true }));
const PATH = `${bin}:${cli.env.PATH}`;

/**
 * helper writes `docker-credential-<name>`: it logs `<arg> <server>` to `<name>.log`,
 * answers `robot`/SECRET for `reg`, and the protocol's "not found" for anything else.
 * `body` replaces the answering part.
 */
async function helper(name: string, body?: string): Promise<{ calls: () => Promise<string[]> }> {
  const log = join(bin, `${name}.log`);
  const answer =
    body ??
    `case "$server" in
  ${reg.host}) printf '{"ServerURL":"%s","Username":"robot","Secret":"${SECRET}"}\\n' "$server" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac`;
  const script = `#!/bin/sh
# docker-credential-${name}: a test double of the docker-credential-helpers protocol.
server=$(cat)
printf '%s %s\\n' "$1" "$server" >> '${log}'
${answer}
`;
  const path = join(bin, `docker-credential-${name}`);
  await writeFile(path, script);
  await chmod(path, 0o755);
  await rm(log, { force: true });
  return {
    calls: async () => {
      try {
        return (await readFile(log, 'utf8')).trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

async function config(doc: Record<string, unknown>): Promise<void> {
  await mkdir(cli.dockerConfigDir, { recursive: true });
  await writeFile(cli.configPath, JSON.stringify(doc));
}

async function run(t: Test, args: string[]): Promise<CliResult> {
  const r = await cli.run(['--plain-http', '--log-level', 'trace', ...args], { env: { PATH } });
  t.notOk(`${r.stdout}${r.stderr}`.includes(SECRET), 'the secret is never printed');
  t.notOk(
    `${r.stdout}${r.stderr}`.includes(Buffer.from(`robot:${SECRET}`).toString('base64')),
    'nor its Basic encoding',
  );
  return r;
}

t.test('credHelpers: the named helper is asked for that registry, once', async (t) => {
  const h = await helper('octest');
  await config({ credHelpers: { [reg.host]: 'octest' } });
  await reg.resetRequests();
  const r = await run(t, [
    'copy',
    '--json',
    `${src.host}/staging/app:amd64`,
    `${reg.host}/prod/app:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  t.same(await h.calls(), [`get ${reg.host}`], 'called with `get`, the server URL on stdin, once');
  const log = await reg.settledRequests();
  t.ok(
    log.some((e) => e.method === 'PUT' && e.status === 201),
    'pushed with the helper credentials',
  );
  t.equal(log.filter((e) => e.status === 401).length, 1, 'one challenge, then Basic up front');
});

t.test('credHelpers keys are normalised like Docker writes them (scheme and path)', async (t) => {
  const h = await helper('octest');
  await config({ credHelpers: { [`https://${reg.host}/v2/`]: 'octest' } });
  const r = await run(t, ['tags', '--json', `${reg.host}/prod/app`]);
  t.equal(r.code, 0, r.stderr);
  t.same(r.json().tags, ['1']);
  t.same(await h.calls(), [`get ${reg.host}`]);
});

t.test('credsStore: asked for every registry; "not found" means anonymous', async (t) => {
  const h = await helper('store');
  await config({ credsStore: 'store' });
  const r = await run(t, [
    'copy',
    '--json',
    `${src.host}/staging/app:amd64`,
    `${reg.host}/prod/store:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.same(
    (await h.calls()).sort(),
    [`get ${reg.host}`, `get ${src.host}`].sort(),
    'both registries looked up, each once',
  );
});

t.test('an inline auths entry is used before credsStore', async (t) => {
  const h = await helper('store');
  await config({
    credsStore: 'store',
    auths: { [reg.host]: { auth: Buffer.from(`robot:${SECRET}`).toString('base64') } },
  });
  const r = await run(t, ['tags', '--json', `${reg.host}/prod/app`]);
  t.equal(r.code, 0, r.stderr);
  t.same(await h.calls(), [], 'the store was not asked for a registry with inline credentials');
});

t.test('a failing helper: exit 1, the helper and server named, no secret', async (t) => {
  await helper('locked', `echo "the keychain is locked" >&2; exit 3`);
  await config({ credHelpers: { [reg.host]: 'locked' } });
  const r = await run(t, ['tags', '--json', `${reg.host}/prod/app`]);
  t.equal(r.code, 1);
  t.equal(r.json().error.code, 'ERR_AUTH');
  t.equal(
    r.json().error.message,
    `credential helper docker-credential-locked failed for ${reg.host} (exit 3): the keychain is locked`,
  );
  t.match(
    r.stderr,
    /^oci-promote: error: credential helper docker-credential-locked failed .* \[ERR_AUTH\]\n$/,
  );
});

t.test('a failing helper whose output holds the secret: the output is not quoted', async (t) => {
  await helper('leaky', `printf '{"Username":"robot","Secret":"${SECRET}"}\\n'; exit 1`);
  await config({ credHelpers: { [reg.host]: 'leaky' } });
  const r = await run(t, ['tags', '--json', `${reg.host}/prod/app`]);
  t.equal(r.code, 1);
  t.equal(
    r.json().error.message,
    `credential helper docker-credential-leaky failed for ${reg.host} (exit 1)`,
  );
});

t.test('a helper answering nonsense, and one missing from PATH', async (t) => {
  await helper('garbled', `echo "not json ${SECRET}"`);
  await config({ credHelpers: { [reg.host]: 'garbled' } });
  const garbled = await run(t, ['tags', '--json', `${reg.host}/prod/app`]);
  t.equal(garbled.code, 1);
  t.equal(
    garbled.json().error.message,
    `credential helper docker-credential-garbled gave unreadable output for ${reg.host}`,
  );

  await config({ credHelpers: { [reg.host]: 'absent' } });
  const absent = await run(t, ['tags', '--json', `${reg.host}/prod/app`]);
  t.equal(absent.code, 1);
  t.match(
    absent.json().error.message,
    /^credential helper docker-credential-absent not found on PATH \(named by the Docker config for 127\.0\.0\.1:\d+\); install it or remove it from the config$/,
  );
});

t.test('wrong credentials from a helper: ERR_UNAUTHORIZED naming the user', async (t) => {
  await helper(
    'stale',
    `printf '{"ServerURL":"%s","Username":"robot","Secret":"stale-Pw-0a9c"}\\n' "$server"`,
  );
  await config({ credHelpers: { [reg.host]: 'stale' } });
  const r = await run(t, ['tags', '--json', `${reg.host}/prod/app`]);
  t.equal(r.code, 1);
  t.equal(r.json().error.code, 'ERR_UNAUTHORIZED');
  t.match(
    r.json().error.message,
    /answered 401 .*— the registry refused user robot — credentials from docker-credential-stale \(credHelpers in \S+config\.json\)$/,
  );
  t.notOk(r.stderr.includes('stale-Pw-0a9c'));
});
