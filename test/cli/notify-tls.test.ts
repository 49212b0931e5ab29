// --notify-url goes through the transport: an https receiver whose certificate a private
// CA signed is refused without --ca-file (a warning, the promotion still succeeds) and
// reached with --ca-file or --insecure, for `promote`, `promote --from-file` and `rollback`.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { writeRandomImage } from '../helpers/random.js';
import { startRegistry } from '../helpers/registry.js';
import { pushLayout } from '../helpers/seed.js';
import { tlsFixture } from '../helpers/tls.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const [reg, cli, tls] = await Promise.all([startRegistry(t), cliEnv(t), tlsFixture(t)]);
const work = await mkdtemp(join(tmpdir(), 'oci-promote-notify-tls-test-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

const img = await writeRandomImage(join(work, 'img'), {
  seed: 'notify-tls',
  layers: 1,
  layerSize: 1_000,
  tag: '1.0.0',
});
await pushLayout(reg, img.dir, '1.0.0', 'staging/app', '1.0.0');

const { origin, received } = await startWebhookReceiver(t, {
  cert: tls.server.certPem,
  key: tls.server.keyPem,
});
const hook = `${origin}/services/T0/B0/s3cr3t`;

const prod = `${reg.host}/prod/app`;
const promote = (...flags: string[]) =>
  cli.run([
    'promote',
    '--plain-http',
    `${reg.host}/staging/app:1.0.0`,
    '--to',
    prod,
    '--notify-url',
    hook,
    ...flags,
  ]);

t.test('without --ca-file the receiver is not trusted: a warning, never the URL', async (t) => {
  const before = received.length;
  const r = await promote();
  t.equal(r.code, 0, r.stderr);
  t.equal(received.length, before, 'nothing delivered');
  t.match(r.stderr, `notification to ${origin} failed`);
  t.notMatch(r.stderr, /s3cr3t/);
});

t.test('--ca-file: the receiver is trusted and the message delivered', async (t) => {
  const before = received.length;
  const r = await promote('--ca-file', tls.ca.certPath);
  t.equal(r.code, 0, r.stderr);
  t.equal(received.length, before + 1, r.stderr);
  t.match(received.at(-1), { event: { action: 'promote', ok: true, digest: img.digest } });
  t.notMatch(r.stderr, /notification to/);
});

t.test('--ca-file with the wrong CA: refused', async (t) => {
  const before = received.length;
  const r = await promote('--ca-file', tls.otherCa.certPath);
  t.equal(r.code, 0, r.stderr);
  t.equal(received.length, before);
  t.match(r.stderr, `notification to ${origin} failed`);
});

t.test('--insecure: delivered without verification', async (t) => {
  const before = received.length;
  const r = await promote('--insecure');
  t.equal(r.code, 0, r.stderr);
  t.equal(received.length, before + 1, r.stderr);
});

t.test('promote --from-file: each entry notified through the same transport', async (t) => {
  const file = join(work, 'promotions.json');
  await writeFile(
    file,
    JSON.stringify({ promotions: [{ source: `${reg.host}/staging/app:1.0.0`, to: prod }] }),
  );
  const before = received.length;
  const refused = await cli.run([
    'promote',
    '--plain-http',
    '--from-file',
    file,
    '--notify-url',
    hook,
  ]);
  t.equal(refused.code, 0, refused.stderr);
  t.equal(received.length, before);
  const ok = await cli.run([
    'promote',
    '--plain-http',
    '--from-file',
    file,
    '--notify-url',
    hook,
    '--ca-file',
    tls.ca.certPath,
  ]);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(received.length, before + 1, ok.stderr);
});

t.test('rollback: --ca-file applies too', async (t) => {
  const before = received.length;
  const r = await cli.run([
    'rollback',
    '--plain-http',
    '--dry-run',
    `${prod}:nope`,
    '--notify-url',
    hook,
    '--ca-file',
    tls.ca.certPath,
  ]);
  t.not(r.code, 0, 'an unknown tag cannot be rolled back');
  t.equal(received.length, before + 1, r.stderr);
  t.match(received.at(-1), { event: { action: 'rollback', ok: false } });
});
