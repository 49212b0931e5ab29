// tls-check.sh against a real TLS server (node:https) with certificates made by openssl
// (test/helpers/tls.ts): chain, name (SNI), expiry thresholds, an untrusted root.
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { TeardownHost } from '../helpers/registry.js';
import { type CertKey, createPki } from '../helpers/tls.js';
import { runScript } from './helpers/scripts.js';

/** An https server presenting `leaf` (and its chain); returns its port. */
async function tlsServer(t: TeardownHost, leaf: CertKey): Promise<number> {
  const cert = [leaf.certPem, ...leaf.chain.map((c) => c.certPem)].join('');
  const server = createServer({ cert, key: leaf.keyPem }, (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

t.test('tls-check.sh', async (t) => {
  const pki = await createPki(t);
  const root = await pki.ca('pipeline test root');
  const inter = await pki.intermediate(root, 'pipeline test intermediate');
  const leaf = await pki.issue(inter, 'app', { dns: ['app.test'] });
  const port = String(await tlsServer(t, leaf));
  // The test certificates are valid for 2 days: thresholds in days decide the verdict.
  const env = {
    TLS_CA_FILE: root.certPath,
    TLS_CONNECT: '127.0.0.1',
    TLS_WARN_DAYS: '1',
    TLS_FAIL_DAYS: '0',
  };

  const ok = await runScript('tls-check.sh', ['app.test', port], env);
  t.equal(ok.code, 0, ok.stderr + ok.stdout);
  t.match(ok.results, [{ check: 'tls', result: 'passed', host: 'app.test', chain: 2 }]);
  t.ok((ok.results[0]!.daysLeft as number) >= 1, 'days left are reported');

  const warn = await runScript('tls-check.sh', ['app.test', port], { ...env, TLS_WARN_DAYS: '30' });
  t.equal(warn.code, 0, 'a warning does not fail');
  t.match(warn.results, [{ result: 'warning', message: /^expires in \d+ days .*under 30$/ }]);
  t.match(warn.stderr, /^::warning::the certificate of app\.test expires in \d+ days/m);

  const fail = await runScript('tls-check.sh', ['app.test', port], {
    ...env,
    TLS_WARN_DAYS: '30',
    TLS_FAIL_DAYS: '14',
  });
  t.equal(fail.code, 1);
  t.match(fail.results, [{ result: 'failed', message: /under 14$/ }]);

  const name = await runScript('tls-check.sh', ['other.test', port], env);
  t.equal(name.code, 1, 'a certificate for another name fails');
  t.match(name.results, [{ result: 'failed', message: /handshake or verification failed/ }]);

  const { TLS_CA_FILE: _, ...untrusted } = env;
  const u = await runScript('tls-check.sh', ['app.test', port], untrusted);
  t.equal(u.code, 1, 'an unknown root fails');

  const noChain = await pki.issue(inter, 'bare', { dns: ['bare.test'] });
  const bare = { ...noChain, chain: [] };
  const p2 = String(await tlsServer(t, bare));
  const c = await runScript('tls-check.sh', ['bare.test', p2], env);
  t.equal(c.code, 1, 'a server that leaves out its intermediate fails');

  t.equal((await runScript('tls-check.sh', ['app.test', '1'], env)).code, 1, 'nothing listening');
  t.equal((await runScript('tls-check.sh', ['bad host'])).code, 2);
});
