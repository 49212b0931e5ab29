/**
 * Scripted-HTTPS tests: certificate trust (--ca-file / --insecure), the https→http
 * downgrade refused at transport level, and no credentials to an http realm of an
 * https registry. Certificates are made with the system `openssl` at test time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { staticCredentials } from '../../lib/transport/credentials.js';
import { createTransport } from '../../lib/transport/http.js';
import type { TransportOptions } from '../../lib/transport/types.js';
import { pingRequest, scriptedServer } from '../helpers/scripted-server.js';

function makeCerts(): { ca: string; key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'oci-promote-tls-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=oci-promote test CA',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'srv.key',
      '-out',
      'srv.csr',
      '-subj',
      '/CN=127.0.0.1',
    );
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run(
      'x509',
      '-req',
      '-in',
      'srv.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'srv.crt',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    );
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.crt'), key: read('srv.key'), cert: read('srv.crt') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certs = makeCerts();
if (!certs) t.plan(0, 'openssl is not available');

/** These servers are on 127.0.0.1, plain http by default: https is asked for explicitly. */
function transport(t: Test, opts: TransportOptions) {
  const tr = createTransport({ retry: { retries: 0 }, plainHttp: false, ...opts });
  t.teardown(() => tr.close());
  return tr;
}

if (certs) {
  const tls = { key: certs.key, cert: certs.cert };

  t.test(
    'an untrusted certificate: the error names it and suggests --ca-file/--insecure',
    async (t) => {
      const reg = await scriptedServer(t, [], { tls });
      await t.rejects(transport(t, {}).request(pingRequest(reg.host)), {
        code: 'ERR_NETWORK',
        message:
          /TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(\w+: .*\) — pass --ca-file with the CA that signed it, or --insecure/,
      });
    },
  );

  t.test('the CA file is trusted in addition to the system roots', async (t) => {
    const reg = await scriptedServer(t, [{ method: 'GET', path: '/v2/', reply: { status: 200 } }], {
      tls,
    });
    await (await transport(t, { ca: certs.ca }).request(pingRequest(reg.host))).dump();
  });

  t.test('--insecure skips verification', async (t) => {
    const reg = await scriptedServer(t, [{ method: 'GET', path: '/v2/', reply: { status: 200 } }], {
      tls,
    });
    await (await transport(t, { insecure: true }).request(pingRequest(reg.host))).dump();
  });

  t.test('https to plain http redirect is refused', async (t) => {
    const plain = await scriptedServer(t, [], { name: 'plain http' });
    const reg = await scriptedServer(
      t,
      [
        {
          method: 'GET',
          path: '/v2/',
          reply: { status: 307, headers: { location: `${plain.url}/v2/` } },
        },
      ],
      { tls },
    );
    await t.rejects(transport(t, { ca: certs.ca }).request(pingRequest(reg.host)), {
      code: 'ERR_REDIRECT',
      message: /downgrade from https to plain http/,
    });
    t.equal(plain.requests.length, 0);
  });

  t.test('an http realm of an https registry gets no credentials', async (t) => {
    const auth = await scriptedServer(t, [], { name: 'plain-http token server' });
    const reg = await scriptedServer(t, [], { tls });
    auth.add({
      method: 'GET',
      path: (p) => p.startsWith('/token'),
      check: (r) => t.equal(r.headers.authorization, undefined),
      reply: { status: 200, body: { token: 'ANON' } },
    });
    reg.add(
      {
        method: 'GET',
        path: '/v2/',
        reply: { status: 401, headers: { 'www-authenticate': `Bearer realm="${auth.url}/token"` } },
      },
      {
        method: 'GET',
        path: '/v2/',
        check: (r) => t.equal(r.headers.authorization, 'Bearer ANON'),
        reply: { status: 200 },
      },
    );
    const tr = transport(t, {
      ca: certs.ca,
      credentials: staticCredentials({ [reg.host]: { username: 'u', password: 'secret' } }),
    });
    await (await tr.request(pingRequest(reg.host))).dump();
  });

  t.test('https to a plain-http server: the error suggests --plain-http', async (t) => {
    const plain = await scriptedServer(t, [], { name: 'plain http' });
    await t.rejects(transport(t, {}).request(pingRequest(plain.host)), {
      code: 'ERR_NETWORK',
      message: /TLS handshake with 127\.0\.0\.1:\d+ failed .* use --plain-http/,
    });
  });
}
