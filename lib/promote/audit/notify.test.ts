import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { now, promotion, prov, rollback } from '../../../test/helpers/audit-results.js';
import { tlsFixture } from '../../../test/helpers/tls.js';
import { auditEventFromPromotion, auditEventFromRollback } from './event.js';
import { notify, notifyUrlOrigin } from './notify.js';
import { notificationText } from './text.js';

// ---------------------------------------------------------------------------------------------
// Notifications, against a real local HTTP server

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function server(
  t: Test,
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ base: string; received: Received[]; srv: Server }> {
  const received: Received[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.teardown(() => {
    srv.closeAllConnections();
    srv.close();
  });
  const { port } = srv.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, received, srv };
}

const SECRET = '/services/T000/B000/s3cr3tT0k3n';

t.test('notify delivers { text, event } as JSON', async (t) => {
  const { base, received } = await server(t, (_req, res) => res.end('ok'));
  const event = auditEventFromPromotion(promotion, prov, now);
  const r = await notify(`${base}${SECRET}?x=1`, event);
  t.strictSame(r, { ok: true, status: 200 });
  t.equal(received.length, 1);
  const got = received[0]!;
  t.equal(got.method, 'POST');
  t.equal(got.url, `${SECRET}?x=1`);
  t.match(got.headers['content-type'], /^application\/json/);
  t.equal(got.headers.authorization, undefined, 'no credentials are sent');
  t.strictSame(JSON.parse(got.body), { text: notificationText(event), event });
});

t.test('notify: a non-2xx answer is not ok; the error names the origin only', async (t) => {
  const { base } = await server(t, (_req, res) => {
    res.statusCode = 404;
    // The receiver quotes the path JSON-escaped (`\/`): no replacement of the path catches that.
    res.end(JSON.stringify({ error: 'no_service', path: SECRET }).replace(/\//g, '\\/'));
  });
  const r = await notify(`${base}${SECRET}`, auditEventFromRollback(rollback, undefined, now));
  t.equal(r.ok, false);
  t.equal(r.status, 404);
  t.equal(
    r.error,
    `notification to ${base} answered HTTP 404`,
    'the receiver’s body is not quoted',
  );
});

t.test('notify: a redirect is not followed', async (t) => {
  const { base, received } = await server(t, (req, res) => {
    if (req.url === '/elsewhere') return res.end('ok');
    res.writeHead(302, { location: '/elsewhere' });
    res.end();
  });
  const r = await notify(`${base}/hook`, auditEventFromRollback(rollback, undefined, now));
  t.equal(r.ok, false);
  t.equal(r.status, 302);
  t.equal(received.length, 1);
});

t.test('notify: a server that does not answer times out', async (t) => {
  const { base } = await server(t, () => {
    // Never answers.
  });
  const started = Date.now();
  const r = await notify(`${base}${SECRET}`, auditEventFromRollback(rollback, undefined, now), {
    timeoutMs: 200,
  });
  t.equal(r.ok, false);
  t.equal(r.status, undefined);
  t.equal(r.error, `notification to ${base} failed: timed out after 200 ms`);
  t.ok(Date.now() - started < 5000, 'gave up promptly');
});

t.test('notify: the caller can abort', async (t) => {
  const { base } = await server(t, () => {});
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const r = await notify(`${base}/hook`, auditEventFromRollback(rollback, undefined, now), {
    signal: ac.signal,
  });
  t.strictSame(r, { ok: false, error: `notification to ${base} failed: aborted` });
});

t.test('notify: connection refused is reported without the URL path', async (t) => {
  const { base, srv } = await server(t, () => {});
  srv.close();
  await once(srv, 'close');
  const r = await notify(`${base}${SECRET}`, auditEventFromRollback(rollback, undefined, now));
  t.equal(r.ok, false);
  t.match(r.error, new RegExp(`^notification to ${base} failed: .*ECONNREFUSED`));
  t.notMatch(r.error, /s3cr3t/);
});

t.test('notify never throws on a bad URL, and does not echo it', async (t) => {
  const event = auditEventFromRollback(rollback, undefined, now);
  const bad = await notify('not a url s3cr3t', event);
  t.strictSame(bad, { ok: false, error: 'the notification URL is not a valid URL' });
  const ftp = await notify('ftp://example.com/s3cr3t', event);
  t.equal(ftp.ok, false);
  t.notMatch(ftp.error, /s3cr3t/);
  const creds = await notify('https://user:s3cr3t@example.com/hook', event);
  t.equal(creds.ok, false);
  t.notMatch(creds.error, /s3cr3t/);
});

t.test('notifyUrlOrigin', async (t) => {
  t.equal(notifyUrlOrigin('https://hooks.slack.com/services/T/B/x'), 'https://hooks.slack.com');
  t.equal(notifyUrlOrigin('http://127.0.0.1:8080/h?token=1'), 'http://127.0.0.1:8080');
  t.throws(() => notifyUrlOrigin('file:///etc/passwd'), { code: 'ERR_USAGE' });
  t.throws(() => notifyUrlOrigin('https://a:b@x.example/'), { code: 'ERR_USAGE' });
  t.throws(() => notifyUrlOrigin('s3cr3t'), { code: 'ERR_USAGE', message: /^((?!s3cr3t).)*$/ });
});

t.test('notify goes over the transport TLS settings: ca and insecure', async (t) => {
  const tls = await tlsFixture(t);
  const received: string[] = [];
  const srv = createHttpsServer(
    { cert: tls.server.certPem, key: tls.server.keyPem },
    (req, res) => {
      received.push(req.url!);
      res.end('ok');
    },
  );
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.teardown(() => srv.close());
  const origin = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const event = auditEventFromPromotion(promotion, prov, now);

  const refused = await notify(`${origin}${SECRET}`, event);
  t.equal(refused.ok, false);
  t.match(refused.error, `notification to ${origin} failed`);
  t.notMatch(refused.error, /s3cr3t/);
  t.same(received, [], 'nothing reached the receiver');

  t.match(await notify(`${origin}${SECRET}`, event, { ca: tls.ca.certPem }), { ok: true });
  t.match(await notify(`${origin}${SECRET}`, event, { ca: tls.otherCa.certPem }), { ok: false });
  t.match(await notify(`${origin}${SECRET}`, event, { insecure: true }), { ok: true });
  t.same(received, [SECRET, SECRET]);
});
