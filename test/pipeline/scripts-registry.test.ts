// image-ready.sh against a real registry (docker-registry from test/helpers/registry.ts): the
// completeness check is `oci-promote verify --deep --digest` (the bundled CLI), the hold and
// freeze checks read `oci-promote status --json` (stand-in documents, then the real CLI).
import { spawnSync } from 'node:child_process';
import { access, chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startRegistry, type TeardownHost } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, layoutRef, pushLayout, readLayoutBlob } from '../helpers/seed.js';
import { DIGEST_B, root, runScript, stubCli } from './helpers/scripts.js';

const bundled = join(root, 'dist', 'oci-promote.mjs');
await access(bundled).catch(() => {
  throw new Error(`${bundled} is missing: run npm run build (npm ci does it)`);
});

/**
 * cliWith runs the bundled CLI for every command but `status`; for `status` it prints the
 * given JSON document or, with `null`, runs the real CLI too.
 */
async function cliWith(t: TeardownHost, status: object | null): Promise<string> {
  const stub = await stubCli(t);
  const body = [
    '#!/usr/bin/env bash',
    ...(status === null
      ? []
      : [`if [ "$1" = status ]; then echo '${JSON.stringify(status)}'; exit 0; fi`]),
    // The test registries speak plain http on loopback.
    `exec node ${JSON.stringify(bundled)} "$@" --plain-http`,
  ].join('\n');
  await writeFile(stub.path, `${body}\n`);
  await chmod(stub.path, 0o755);
  return stub.path;
}

t.test('image-ready.sh', async (t) => {
  const reg = await startRegistry(t);
  const repo = `${reg.host}/prod/app`;
  const digest = await pushLayout(reg.host, BUSYBOX_LAYOUT, 'multiarch', 'prod/app', '1.0.0');
  const clear = await cliWith(t, { held: false, holds: [], freeze: null });

  const ok = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: clear });
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.results, [
    { check: 'complete', result: 'passed' },
    { check: 'hold', result: 'passed' },
    { check: 'freeze', result: 'passed' },
  ]);

  const absent = await runScript('image-ready.sh', [repo, DIGEST_B], { OCI_PROMOTE: clear });
  t.equal(absent.code, 1);
  t.match(absent.results, [{ check: 'complete', result: 'failed' }]);

  const held = await cliWith(t, {
    held: true,
    holds: [{ digest, actor: 'alice', time: '2026-12-01T10:00:00Z', reason: 'bad release' }],
    freeze: null,
  });
  const h = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: held });
  t.equal(h.code, 1);
  t.match(h.results, [
    { result: 'passed' },
    {
      check: 'hold',
      result: 'failed',
      message: 'held by alice at 2026-12-01T10:00:00Z: bad release',
    },
    { check: 'freeze', result: 'passed' },
  ]);
  t.match(h.stderr, /::error::.*is held .*release it with oci-promote release/);

  const otherHold = await cliWith(t, { held: false, holds: [{ digest: DIGEST_B }], freeze: null });
  t.equal(
    (await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: otherHold })).code,
    0,
    'a hold on another digest does not count',
  );

  const frozen = await cliWith(t, {
    held: false,
    holds: [],
    freeze: { actor: 'bob', until: '2026-12-24T00:00:00Z', reason: 'holidays' },
  });
  const f = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: frozen });
  t.equal(f.code, 1);
  t.match(f.results, [
    {},
    {},
    {
      check: 'freeze',
      result: 'failed',
      message: 'frozen by bob until 2026-12-24T00:00:00Z: holidays',
    },
  ]);

  // `held` is what counts (a hold listed without it, or `held` without a listed hold, too).
  const heldOnly = await cliWith(t, { held: true, holds: [], freeze: null });
  const ho = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: heldOnly });
  t.equal(ho.code, 1);
  t.match(ho.results, [
    {},
    { check: 'hold', result: 'failed', message: 'held by ? at ?: no reason' },
  ]);
  // A document without `held` (not the status contract): not ready, whatever else it says.
  const noHeld = await cliWith(t, { holds: [], freeze: null });
  const nh = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: noHeld });
  t.equal(nh.code, 1, 'fails closed');
  t.match(nh.results, [
    {},
    { check: 'hold', result: 'failed', message: 'oci-promote status failed' },
  ]);

  // The bundled CLI itself: a fresh repository has no hold and no freeze.
  const real = await cliWith(t, null);
  const r = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: real });
  t.equal(r.code, 0, `the real status command: no hold, no freeze\n${r.stdout}${r.stderr}`);
  t.match(r.results, [
    { check: 'complete', result: 'passed' },
    { check: 'hold', result: 'passed' },
    { check: 'freeze', result: 'passed' },
  ]);
  // Held for real (oci-promote hold): refused, with the reason.
  const hold = spawnSync(
    'node',
    [bundled, 'hold', `${repo}@${digest}`, '--reason', 'bad release', '--plain-http'],
    { encoding: 'utf8' },
  );
  t.equal(hold.status, 0, hold.stderr);
  const realHeld = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: real });
  t.equal(realHeld.code, 1);
  t.match(realHeld.results, [{}, { check: 'hold', result: 'failed', message: /: bad release$/ }]);
  const release = spawnSync(
    'node',
    [bundled, 'release', `${repo}@${digest}`, '--reason', 'fixed', '--plain-http'],
    { encoding: 'utf8' },
  );
  t.equal(release.status, 0, release.stderr);

  // A layer the index reaches is gone from the repository: not complete.
  const index = JSON.parse((await readLayoutBlob(BUSYBOX_LAYOUT, digest)).toString());
  const child = (await layoutRef(BUSYBOX_LAYOUT, 'amd64')).digest;
  t.equal(index.manifests[0].digest, child);
  const manifest = JSON.parse((await readLayoutBlob(BUSYBOX_LAYOUT, child)).toString());
  const layer = String(manifest.layers[0].digest).replace('sha256:', '');
  const link = join(reg.dataDir, 'docker/registry/v2/repositories/prod/app/_layers/sha256', layer);
  await rm(link, { recursive: true });
  const broken = await runScript('image-ready.sh', [repo, digest], { OCI_PROMOTE: clear });
  t.equal(broken.code, 1, `a missing layer is found\n${broken.stdout}`);
  t.match(broken.results, [{ check: 'complete', result: 'failed' }]);
  t.match(broken.stderr, /::error::.* is not complete in the registry/);

  t.equal(
    (await runScript('image-ready.sh', [`${repo}:1.0.0`, digest])).code,
    2,
    'a tag is refused',
  );
  t.equal((await runScript('image-ready.sh', [repo, '1.0.0'])).code, 2);
});
