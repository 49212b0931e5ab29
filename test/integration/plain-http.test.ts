/**
 * Plain http per registry, against real registries: a promotion from a plain-http staging
 * registry to an https production registry (--from-plain-http, --ca-file); loopback
 * registries speak plain http with no flag; --no-plain-http asks for https even there.
 *
 * Both registries listen on 127.0.0.1. Named `0.0.0.0:PORT` they are reached the same way
 * (Linux connects 0.0.0.0 to the local host) but the name is not a loopback one, so it
 * gets the default of a remote registry: https unless a flag names it.
 */
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, pushLayout } from '../helpers/seed.js';
import { createPki, startTlsRegistry } from '../helpers/tls.js';

const pki = await createPki(t);
const ca = await pki.ca('oci-promote test CA');
const cert = await pki.issue(ca, 'production registry', { ip: ['127.0.0.1', '0.0.0.0'] });
const [staging, production] = await Promise.all([startRegistry(t), startTlsRegistry(t, cert)]);
const image = await pushLayout(staging, BUSYBOX_LAYOUT, 'amd64', 'app');
const cli = await cliEnv(t);

/** remote names a registry of this test by a name that is not a loopback one. */
const remote = (host: string) => host.replace(/^127\.0\.0\.1:/, '0.0.0.0:');
const stagingName = remote(staging.host);
const productionName = remote(production.host);

t.test('http staging to https production: --from-plain-http and --ca-file', async (t) => {
  const r = await cli.run([
    'promote',
    '--json',
    '--from-plain-http',
    '--ca-file',
    ca.certPath,
    `${stagingName}/app:amd64`,
    '--to',
    `${productionName}/app`,
    '--tag',
    '1.0.0',
  ]);
  t.equal(r.code, 0, r.stderr);
  const back = await cli.run(['digest', '--ca-file', ca.certPath, `${productionName}/app:1.0.0`]);
  t.equal(back.code, 0, back.stderr);
  t.equal(back.stdout.trim(), image, 'production holds the staging digest, read over https');
});

t.test('a registry no flag names gets https, the source too', async (t) => {
  const r = await cli.run([
    'copy',
    '--json',
    '--to-plain-http=false',
    '--ca-file',
    ca.certPath,
    `${stagingName}/app:amd64`,
    `${productionName}/app:2`,
  ]);
  t.equal(r.code, 1, r.stderr);
  t.equal(r.json().error.code, 'ERR_NETWORK');
  t.match(
    r.json().error.message,
    new RegExp(`https://${stagingName.replace(/\./g, '\\.')}/v2/.*TLS handshake .* failed`),
    'the staging registry was asked over https',
  );
});

t.test('loopback registries speak plain http with no flag', async (t) => {
  const r = await cli.run([
    'copy',
    '--json',
    `${staging.host}/app:amd64`,
    `${staging.host}/copied:amd64`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  const tags = await cli.run(['tags', `${staging.host}/copied`]);
  t.equal(tags.code, 0, tags.stderr);
  t.equal(tags.stdout.trim(), 'amd64');
});

t.test('--no-plain-http against a plain loopback registry: a TLS error saying so', async (t) => {
  const r = await cli.run(['digest', '--json', '--no-plain-http', `${staging.host}/app:amd64`]);
  t.equal(r.code, 1, r.stderr);
  t.equal(r.json().error.code, 'ERR_NETWORK');
  t.match(
    r.json().error.message,
    /TLS handshake with 127\.0\.0\.1:\d+ failed \(.*\) — if the registry speaks plain http, use --plain-http \(--from-plain-http or --to-plain-http for one side of a copy\)$/,
  );
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
});

t.test(
  '--from-plain-http with the other side on loopback https: --to-plain-http=false',
  async (t) => {
    const r = await cli.run([
      'copy',
      '--json',
      '--from-plain-http',
      '--to-plain-http=false',
      '--ca-file',
      ca.certPath,
      `${staging.host}/app:amd64`,
      `${production.host}/loop:1`,
    ]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.json().digest, image);
  },
);

t.test('promote --from-file: the side flags apply to the entries of the file', async (t) => {
  const list = [
    { source: `${stagingName}/app:amd64`, to: `${productionName}/batch`, tags: ['b1'] },
  ];
  const r = await cli.run(
    ['promote', '--json', '--from-plain-http', '--ca-file', ca.certPath, '--from-file', '-'],
    { stdin: JSON.stringify(list) },
  );
  t.equal(r.code, 0, r.stderr);
  const back = await cli.run(['digest', '--ca-file', ca.certPath, `${productionName}/batch:b1`]);
  t.equal(back.stdout.trim(), image, back.stderr);
});
