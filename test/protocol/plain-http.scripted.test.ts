/**
 * The scheme per registry, observed by the servers: a registry named in `plainHttp` gets
 * http, one that is not named gets https (a plain server then sees no request at all),
 * and a loopback registry gets http by default.
 *
 * The servers listen on 127.0.0.1; named `0.0.0.0:PORT` they are reached the same way
 * (Linux connects 0.0.0.0 to the local host) but by a name that is not a loopback one.
 */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { createTransport } from '../../lib/transport/http.js';
import type { TransportOptions } from '../../lib/transport/types.js';
import { cliEnv } from '../helpers/cli.js';
import { pingRequest, type ScriptStep, scriptedServer } from '../helpers/scripted-server.js';

const pong: ScriptStep = { method: 'GET', path: '/v2/', reply: { status: 200, body: {} } };
const remote = (host: string) => host.replace(/^127\.0\.0\.1:/, '0.0.0.0:');

function transport(t: Test, opts: TransportOptions = {}) {
  const tr = createTransport({ retry: { retries: 0 }, ...opts });
  t.teardown(() => tr.close());
  return tr;
}

t.test('plainHttp names one registry: the other is asked over https', async (t) => {
  const staging = await scriptedServer(t, [pong], { name: 'staging' });
  const production = await scriptedServer(t, [], { name: 'production (plain, must see nothing)' });
  const tr = transport(t, { plainHttp: [remote(staging.host)] });

  await (await tr.request(pingRequest(remote(staging.host)))).dump();
  t.equal(staging.requests.length, 1, 'the named registry answered over http');

  await t.rejects(tr.request(pingRequest(remote(production.host))), {
    code: 'ERR_NETWORK',
    message: new RegExp(`GET https://${remote(production.host).replace(/\./g, '\\.')}/v2/ failed`),
  });
  t.equal(production.requests.length, 0, 'no http request reached the registry not named');
});

t.test('no option: a loopback registry gets http, a non-loopback name https', async (t) => {
  const server = await scriptedServer(t, [pong]);
  const tr = transport(t);
  await (await tr.request(pingRequest(server.host))).dump();
  t.equal(server.requests.length, 1, '127.0.0.1 is loopback: http');
  await t.rejects(tr.request(pingRequest(remote(server.host))), {
    message: /GET https:\/\/0\.0\.0\.0:\d+\/v2\/ failed/,
  });
  t.equal(server.requests.length, 1, 'the same server by a non-loopback name: https');
});

t.test('plainHttp false: https even on loopback', async (t) => {
  const server = await scriptedServer(t, []);
  await t.rejects(transport(t, { plainHttp: false }).request(pingRequest(server.host)), {
    message: /GET https:\/\/127\.0\.0\.1:\d+\/v2\/ failed: TLS handshake/,
  });
  t.equal(server.requests.length, 0);
});

t.test('copy --from-plain-http: the source over http, the target still https', async (t) => {
  const config = Buffer.from('{}');
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${createHash('sha256').update(config).digest('hex')}`,
      size: config.length,
    },
    layers: [],
  });
  const staging = await scriptedServer(
    t,
    [
      {
        method: 'GET',
        path: '/v2/app/manifests/1',
        reply: {
          status: 200,
          headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
          body: manifest,
        },
      },
    ],
    { name: 'staging' },
  );
  const production = await scriptedServer(t, [], { name: 'production (plain, must see nothing)' });
  const cli = await cliEnv(t);
  const r = await cli.run([
    'copy',
    '--json',
    '--from-plain-http',
    `${remote(staging.host)}/app:1`,
    `${remote(production.host)}/app:1`,
  ]);
  t.equal(r.code, 1, r.stderr);
  t.match(
    r.json().error.message,
    new RegExp(
      `https://${remote(production.host).replace(/\./g, '\\.')}/v2/app/.* failed: TLS handshake`,
    ),
  );
  t.equal(staging.requests.length, 1, 'the source answered over http');
  t.equal(production.requests.length, 0, 'no http request reached the target');
});
