/**
 * A registry that echoes what it was sent (the Authorization header, the password, a
 * token) gets none of it printed: not on stderr, not in the `--json` document, the audit
 * log, the step summary, the step outputs, nor the notification a webhook receives — in
 * plain, base64, URL-encoded or JSON-escaped form. A webhook receiver that answers with
 * the secret path of its URL gets only its origin named.
 */
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { type RecordedRequest, scriptedServer } from '../helpers/scripted-server.js';

const USER = 'alice';
const PASSWORD = 'pa55/w0rd"+Secret';
const HOOK_PATH = '/hooks/T0001/B0002/hookSecret42';

/** forms lists every way a secret may come back. */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const b64 = Buffer.from(secret).toString('base64');
  return [
    secret,
    json,
    json.replace(/\//g, '\\/'),
    encodeURIComponent(secret),
    b64,
    b64.replace(/=+$/, ''),
  ];
}

/** show quotes text for a message without raw control characters. */
const show = (s: string) => JSON.stringify(s.length > 600 ? `${s.slice(0, 600)}…` : s);

function assertNoSecret(t: Test, text: string, secrets: string[], where: string): void {
  for (const secret of secrets) {
    for (const f of forms(secret)) {
      if (text.includes(f)) t.fail(`${where} holds ${show(f)}: ${show(text)}`);
    }
  }
}

/** echo is the error body of a registry that repeats what it received. */
function echo(req: RecordedRequest, status: number, extra = '') {
  const auth = String(req.headers.authorization ?? '');
  const pw = JSON.stringify({ password: PASSWORD }).replace(/\//g, '\\/');
  return {
    status,
    body: {
      errors: [
        {
          code: status === 503 ? 'UNAVAILABLE' : 'DENIED',
          message: `refused Authorization: ${auth} (password ${PASSWORD}, request ${pw}, form password=${encodeURIComponent(PASSWORD)}, b64 ${Buffer.from(PASSWORD).toString('base64')}${extra})`,
        },
      ],
    },
  };
}

/** webhook starts a receiver that records bodies and answers `status` with `body`. */
async function webhook(t: Test, status: number, body: string) {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, url: `${origin}${HOOK_PATH}`, bodies };
}

async function ghFiles(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-secret-echo-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    audit: join(dir, 'audit.jsonl'),
  };
  for (const f of Object.values(files)) await writeFile(f, '');
  return files;
}

t.test('Basic credentials echoed by the registry are masked everywhere', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/staging/app/manifests/v1',
      reply: { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } },
    },
    { method: 'GET', path: '/v2/staging/app/manifests/v1', reply: (r) => echo(r, 503) },
    { method: 'GET', path: '/v2/staging/app/manifests/v1', reply: (r) => echo(r, 403) },
  ]);
  const hook = await webhook(t, 200, '{"ok":true}');
  const files = await ghFiles(t);
  const cli = await cliEnv(t);
  await cli.writeDockerConfig({ [reg.host]: { username: USER, password: PASSWORD } });
  const r = await cli.run(
    [
      'promote',
      '--plain-http',
      '--json',
      `${reg.host}/staging/app:v1`,
      '--to',
      `${reg.host}/app`,
      '--audit-log',
      files.audit,
      '--notify-url',
      hook.url,
    ],
    {
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: files.GITHUB_OUTPUT,
        GITHUB_STEP_SUMMARY: files.GITHUB_STEP_SUMMARY,
      },
    },
  );
  t.equal(r.code, 1, show(r.stderr));
  const secrets = [PASSWORD, `${USER}:${PASSWORD}`, HOOK_PATH];
  t.ok(reg.requests[1]?.headers.authorization?.startsWith('Basic '), 'credentials were sent');
  t.ok(r.stderr.includes('retrying after a transient failure'), 'the retry warning is there');
  t.ok(r.stderr.includes('refused Authorization: Basic ***'), 'the echo is shown, masked');
  assertNoSecret(t, r.stderr, secrets, 'stderr');
  const json = r.json();
  t.equal(json.error.code, 'ERR_UNAUTHORIZED');
  assertNoSecret(t, r.stdout, secrets, '--json stdout');
  assertNoSecret(t, JSON.stringify(json), secrets, '--json document');
  const audit = await readFile(files.audit, 'utf8');
  t.ok(audit.includes('"ok":false'), 'the audit line was written');
  assertNoSecret(t, audit, secrets, 'audit log');
  const summary = await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
  t.ok(summary.includes('failed'), 'the summary was written');
  assertNoSecret(t, summary, secrets, 'step summary');
  assertNoSecret(t, await readFile(files.GITHUB_OUTPUT, 'utf8'), secrets, 'step outputs');
  t.equal(hook.bodies.length, 1, 'one notification');
  const body = hook.bodies[0] ?? '';
  assertNoSecret(t, body, secrets, 'notification body');
  assertNoSecret(t, JSON.parse(body).text, secrets, 'notification text');
});

t.test('tokens (an identity token and a fetched bearer token) echoed are masked', async (t) => {
  const IDENTITY = 'identity-refresh-token-77';
  const BEARER = 'bearer-from-token-service-99';
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  auth.add({
    method: 'POST',
    path: (p) => p.startsWith('/token'),
    reply: { status: 200, body: { token: BEARER, expires_in: 300 } },
  });
  reg.add(
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: {
        status: 401,
        headers: {
          'www-authenticate': `Bearer realm="${auth.url}/token",service="reg",scope="repository:app:pull"`,
        },
      },
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: (r) => echo(r, 403, `, refresh_token=${IDENTITY}`),
    },
  );
  const cli = await cliEnv(t);
  await identityConfig(cli.configPath, reg.host, IDENTITY);
  const r = await cli.run(['inspect', '--plain-http', '--json', `${reg.host}/app:v1`]);
  t.equal(r.code, 1, show(r.stderr));
  t.equal(reg.requests[1]?.headers.authorization, `Bearer ${BEARER}`, 'the token was used');
  t.ok(r.stderr.includes('refused Authorization: Bearer ***'), 'the echo is shown, masked');
  assertNoSecret(t, r.stderr, [IDENTITY, BEARER], 'stderr');
  assertNoSecret(t, r.stdout, [IDENTITY, BEARER], '--json stdout');
});

/** identityConfig writes a Docker config holding an identity token for `host`. */
async function identityConfig(path: string, host: string, identityToken: string) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify({ auths: { [host]: { identitytoken: identityToken } } }));
}

t.test('a webhook receiver echoing its secret path: only its origin is named', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/staging/app/manifests/v1',
      reply: { status: 404, body: { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] } },
    },
  ]);
  const escaped = HOOK_PATH.replace(/\//g, '\\/');
  const hook = await webhook(t, 404, `{"error":"no such hook","path":"${escaped}"}`);
  const files = await ghFiles(t);
  const cli = await cliEnv(t);
  const r = await cli.run(
    [
      'promote',
      '--plain-http',
      `${reg.host}/staging/app:v1`,
      '--to',
      `${reg.host}/app`,
      '--notify-url',
      hook.url,
    ],
    { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: files.GITHUB_STEP_SUMMARY } },
  );
  t.equal(r.code, 1, show(r.stderr));
  t.equal(hook.bodies.length, 1, 'the receiver was called');
  const warning = r.stderr.split('\n').find((l) => l.startsWith('::warning '));
  t.ok(warning?.includes(`notification to ${hook.origin} answered HTTP 404`), show(r.stderr));
  t.notOk(warning?.includes('no such hook'), 'the receiver’s body is not printed');
  const summary = await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
  for (const [where, text] of [
    ['stderr', r.stderr],
    ['step summary', summary],
  ] as const) {
    for (const part of ['hookSecret42', 'T0001', 'B0002', escaped, HOOK_PATH]) {
      t.notOk(text.includes(part), `${where} does not hold ${part}`);
    }
  }
});
