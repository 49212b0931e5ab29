/**
 * TLS against a real `docker-registry` serving https with certificates made by the test
 * (test/helpers/tls.ts): the CLI without --plain-http trusts the system roots only, so
 * the test CA must come with --ca-file; an untrusted, wrong or misnamed certificate fails
 * with one line naming the problem and what to do; --insecure skips verification only
 * when given. Then token auth over https end to end (registry, token service and
 * credentials all on TLS).
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type CliResult, cliEnv } from '../helpers/cli.js';
import { BUSYBOX_LAYOUT, pushLayout, skopeoDigest } from '../helpers/seed.js';
import { startTlsRegistry, tlsFixture } from '../helpers/tls.js';
import { startTokenRegistry, startTokenServer } from '../helpers/token-server.js';

const tls = await tlsFixture(t);
const reg = await startTlsRegistry(t, tls.server);

// skopeo over https without verification (its --dest-tls-verify=false).
const image = await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'staging/app');
const cli = await cliEnv(t);

// The registry is on 127.0.0.1, plain http by default (a loopback registry): https is
// asked for explicitly.
const run = (args: string[]) => cli.run(['--log-level', 'warn', '--no-plain-http', ...args]);

/** assertTlsFailure checks the one-line message of a refused certificate. */
function assertTlsFailure(t: Test, r: CliResult, problem: RegExp): void {
  t.equal(r.code, 1, 'exit 1');
  const err = r.json().error;
  t.equal(err.code, 'ERR_NETWORK');
  t.match(err.message, problem, 'names the certificate problem');
  t.match(err.message, new RegExp(`${reg.host.replace(/\./g, '\\.')}`), 'names the host');
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  t.match(lines[0], /^oci-promote: error: .* \[ERR_NETWORK\]$/);
}

t.test('--ca-file with the test CA: copy over https works', async (t) => {
  t.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/, 'the harness reports an https URL');
  await reg.resetRequests();
  const r = await run([
    'copy',
    '--json',
    '--ca-file',
    tls.ca.certPath,
    `${reg.host}/staging/app:amd64`,
    `${reg.host}/prod/app:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  t.equal(await skopeoDigest(reg, 'prod/app:1'), image, 'skopeo reads it back');
  t.ok((await reg.settledRequests()).length > 0, 'the registry served the copy over https');
});

t.test(
  'no CA: exit 1 naming the untrusted certificate, suggesting --ca-file/--insecure',
  async (t) => {
    await reg.resetRequests();
    const r = await run(['digest', '--json', `${reg.host}/staging/app:amd64`]);
    assertTlsFailure(
      t,
      r,
      /TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\) — pass --ca-file with the CA that signed it, or --insecure to skip verification$/,
    );
    t.same(await reg.settledRequests(), [], 'no HTTP request got through');
  },
);

t.test('a CA that did not sign the certificate fails the same way', async (t) => {
  const r = await run([
    'digest',
    '--json',
    '--ca-file',
    tls.otherCa.certPath,
    `${reg.host}/staging/app:amd64`,
  ]);
  assertTlsFailure(t, r, /is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\) — pass --ca-file/);
});

t.test('--insecure skips verification, only when given', async (t) => {
  const r = await run([
    'copy',
    '--json',
    '--insecure',
    `${reg.host}/staging/app:amd64`,
    `${reg.host}/prod/insecure:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, image);
  // The same command line without the flag, right after: still refused (nothing cached).
  const again = await run(['digest', '--json', `${reg.host}/prod/insecure:1`]);
  assertTlsFailure(t, again, /is not trusted/);
});

t.test('a certificate for another name: the error says it does not match', async (t) => {
  const misnamed = await tls.pki.issue(tls.ca, 'elsewhere', { dns: ['registry.invalid'] });
  const other = await startTlsRegistry(t, misnamed);
  const r = await run([
    'digest',
    '--json',
    '--ca-file',
    tls.ca.certPath,
    `${other.host}/staging/app:amd64`,
  ]);
  t.equal(r.code, 1);
  t.equal(r.json().error.code, 'ERR_NETWORK');
  t.match(
    r.json().error.message,
    /TLS certificate of 127\.0\.0\.1:\d+ does not match its name \(the certificate is for DNS:registry\.invalid\) — use a name the certificate holds, or pass --insecure to skip verification$/,
  );
});

t.test('http to an https loopback registry: the error says --no-plain-http', async (t) => {
  // Without a flag (the loopback default) and with --plain-http alike.
  for (const flags of [[], ['--plain-http']]) {
    for (const cmd of [['digest'], ['tags']]) {
      const target =
        cmd[0] === 'tags' ? `${reg.host}/staging/app` : `${reg.host}/staging/app:amd64`;
      const r = await cli.run([...cmd, '--json', ...flags, target]);
      t.equal(r.code, 1, r.stderr);
      t.match(
        r.json().error.message,
        /answered 400 — the server speaks https on this port: pass --no-plain-http \(loopback registries are plain http by default\)$/,
        `${cmd[0]} ${flags.join(' ')} (${cmd[0] === 'tags' ? 'GET, body read' : 'HEAD, no body'})`,
      );
    }
  }
});

t.test('--ca-file that cannot be read: usage error, no request', async (t) => {
  const r = await run([
    'digest',
    '--json',
    '--ca-file',
    join(tls.pki.dir, 'missing.pem'),
    `${reg.host}/staging/app:amd64`,
  ]);
  t.equal(r.code, 2);
  t.equal(r.json().error.code, 'ERR_USAGE');
  t.match(r.json().error.message, /cannot read --ca-file .*missing\.pem/);
});

t.test('token auth over https: registry, token service and credentials on TLS', async (t) => {
  const ts = await startTokenServer(t, tls.pki, {
    tls: tls.server,
    users: { carol: 'carol-Pw-4c1d' },
    access: { carol: { '*': ['pull', 'push'] } },
  });
  t.match(ts.realm, /^https:/);
  const treg = await startTokenRegistry(t, ts, 'tls-registry', {
    configure: (config) => {
      (config.http as Record<string, unknown>).tls = {
        certificate: tls.server.certPath,
        key: tls.server.keyPath,
      };
    },
  });
  const carol = { username: 'carol', password: 'carol-Pw-4c1d' };
  await pushLayout({ host: treg.host, credentials: carol }, BUSYBOX_LAYOUT, 'amd64', 'staging/app');
  await cli.writeDockerConfig({ [treg.host]: carol });
  ts.resetLog();
  const r = await cli.run([
    '--log-level',
    'trace',
    '--no-plain-http',
    'copy',
    '--json',
    '--ca-file',
    tls.ca.certPath,
    `${treg.host}/staging/app:amd64`,
    `${treg.host}/prod/app:1`,
  ]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.json(), { digest: image, blobs: { mounted: 2 } });
  t.ok(ts.log.length > 0);
  t.ok(
    ts.log.every((x) => x.grant === 'basic' && x.subject === 'carol'),
    'credentials went to the https token service',
  );
  for (const s of [...ts.secrets(), 'carol-Pw-4c1d']) {
    t.notOk(`${r.stdout}${r.stderr}`.includes(s), 'no secret in the output');
  }

  // The token service is verified like the registry: without the CA nothing goes out.
  ts.resetLog();
  const untrusted = await cli.run([
    'digest',
    '--json',
    '--no-plain-http',
    '--insecure',
    `${treg.host}/staging/app:amd64`,
  ]);
  t.equal(untrusted.code, 0, '--insecure covers the token service too');
  const refused = await run(['digest', '--json', `${treg.host}/staging/app:amd64`]);
  t.equal(refused.code, 1);
  t.match(refused.json().error.message, /is not trusted/);
});
