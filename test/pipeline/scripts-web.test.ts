// The sample app (examples/app, served by busybox nc as in its image) and the scripts that
// check a web server: health-check.sh, latency-budget.sh, security-headers.sh and the
// verify-site.sh that runs them. Real servers on loopback: the app itself, and node:http
// servers for answers the app does not give (security headers, errors, slowness).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { findFreePort, type TeardownHost } from '../helpers/registry.js';
import { DIGEST_A, DIGEST_B, httpServer, root, runScript } from './helpers/scripts.js';

/** startApp runs examples/app/start.sh on a free port; stopped in teardown. */
async function startApp(t: TeardownHost, env: Record<string, string> = {}): Promise<string> {
  const port = await findFreePort();
  const child: ChildProcess = spawn('sh', [join(root, 'examples', 'app', 'start.sh')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), ...env },
    stdio: 'ignore',
  });
  t.teardown(() => child.kill('SIGKILL'));
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return `http://127.0.0.1:${port}`;
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode})`);
    await sleep(25);
  }
  throw new Error('the app did not listen');
}

const good = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  server: 'nginx',
};

t.test('the sample app', async (t) => {
  const app = await startApp(t, { IMAGE_DIGEST: DIGEST_A, APP_VERSION: '1.2.3"<x>' });
  const health = await fetch(`${app}/api/health`);
  t.equal(health.status, 200);
  t.equal(health.headers.get('content-type'), 'application/health+json');
  t.strictSame(await health.json(), { status: 'pass', releaseId: DIGEST_A, version: '1.2.3x' });
  const version = await fetch(`${app}/api/version?x=1`);
  t.equal(version.headers.get('content-type'), 'application/json');
  t.strictSame(await version.json(), { version: '1.2.3x', releaseId: DIGEST_A });
  const home = await fetch(`${app}/`, { redirect: 'manual' });
  t.equal(home.status, 302);
  t.equal(home.headers.get('location'), '/api/version');
  t.equal((await fetch(`${app}/nope`)).status, 404);
  t.equal((await fetch(`${app}/api/health`, { method: 'POST' })).status, 405);
  const head = await fetch(`${app}/api/health`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(await head.text(), '', 'HEAD has no body');

  const sick = await startApp(t, { IMAGE_DIGEST: DIGEST_A, APP_HEALTH_STATUS: 'fail' });
  const r = await fetch(`${sick}/api/health`);
  t.equal(r.status, 503);
  t.match(await r.json(), { status: 'fail', releaseId: DIGEST_A });
});

t.test('health-check.sh', async (t) => {
  const app = await startApp(t, { IMAGE_DIGEST: DIGEST_A });
  const quick = { HEALTH_ATTEMPTS: '2', HEALTH_INTERVAL: '0' };
  const ok = await runScript('health-check.sh', [`${app}/api/health`, DIGEST_A], quick);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.results, [{ check: 'health', result: 'passed', attempts: 1 }]);

  const other = await runScript('health-check.sh', [`${app}/api/health`, DIGEST_B], quick);
  t.equal(other.code, 1);
  t.match(other.results, [
    { result: 'failed', message: `releaseId is '${DIGEST_A}', not ${DIGEST_B}` },
  ]);
  t.match(other.stderr, '::error::health check of');

  const sick = await startApp(t, { IMAGE_DIGEST: DIGEST_A, APP_HEALTH_STATUS: 'fail' });
  const s = await runScript('health-check.sh', [`${sick}/api/health`, DIGEST_A], quick);
  t.match(s.results, [{ result: 'failed', message: "status is 'fail', not pass (HTTP 503)" }]);

  const json = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'pass', releaseId: DIGEST_A }));
  });
  const j = await runScript('health-check.sh', [`${json}/api/health`, DIGEST_A], quick);
  t.match(j.results, [{ result: 'failed', message: /content type is 'application\/json'/ }]);

  // Comes up on the second try: a deployment settling.
  let calls = 0;
  const late = await httpServer(t, (_req, res) => {
    if (++calls === 1) return void res.writeHead(502).end();
    res.writeHead(200, { 'content-type': 'application/health+json' });
    res.end(JSON.stringify({ status: 'pass', releaseId: DIGEST_A }));
  });
  const l = await runScript('health-check.sh', [late, DIGEST_A], quick);
  t.equal(l.code, 0);
  t.match(l.results, [{ result: 'passed', attempts: 2 }]);

  const down = await runScript(
    'health-check.sh',
    ['http://127.0.0.1:1/api/health', DIGEST_A],
    quick,
  );
  t.match(down.results, [{ result: 'failed', message: /^no answer/ }]);
  t.equal((await runScript('health-check.sh', [app, 'latest'])).code, 2, 'a tag is refused');
});

t.test('latency-budget.sh', async (t) => {
  const app = await startApp(t, { IMAGE_DIGEST: DIGEST_A });
  const ok = await runScript('latency-budget.sh', [`${app}/api/health`], {
    LATENCY_P95_MS: '60000',
  });
  t.equal(ok.code, 0, ok.stderr);
  const [r] = ok.results as Array<{ p50: number; p95: number; p99: number } & object>;
  t.match(r, { check: 'latency', result: 'passed', requests: 50, errorRate: 0 });
  t.ok(r!.p50 > 0 && r!.p50 <= r!.p95 && r!.p95 <= r!.p99, 'p50 <= p95 <= p99');

  let n = 0;
  const flaky = await httpServer(t, (_req, res) => {
    res.writeHead(++n % 5 === 0 ? 500 : 200).end('x');
  });
  const f = await runScript('latency-budget.sh', [flaky, '50'], { LATENCY_P95_MS: '60000' });
  t.equal(f.code, 1);
  t.match(f.results, [{ result: 'failed', errorRate: 0.2 }]);
  const tolerant = await runScript('latency-budget.sh', [flaky, '50'], {
    LATENCY_P95_MS: '60000',
    LATENCY_MAX_ERROR_RATE: '0.25',
  });
  t.equal(tolerant.code, 0, 'within a looser error budget');

  // Every answer takes at least 20 ms, so a 5 ms p95 budget cannot be met.
  const slow = await httpServer(t, (_req, res) => {
    setTimeout(() => res.writeHead(200).end('x'), 20);
  });
  const s = await runScript('latency-budget.sh', [slow], { LATENCY_P95_MS: '5' });
  t.equal(s.code, 1);
  t.match(s.results, [{ result: 'failed', budgetP95: 5 }]);
  t.ok((s.results[0]!.p95 as number) >= 20);

  t.equal((await runScript('latency-budget.sh', [app, '49'])).code, 2, 'fewer than 50 refused');
  t.equal((await runScript('latency-budget.sh', [app], { LATENCY_MAX_ERROR_RATE: '5' })).code, 2);
});

t.test('security-headers.sh', async (t) => {
  const site = (headers: Record<string, string | string[]>) =>
    httpServer(t, (req, res) => {
      const status = req.url === '/' ? 301 : req.url === '/ok' ? 200 : 404;
      res.writeHead(status, { ...headers, ...(status === 301 ? { location: '/ok' } : {}) });
      res.end();
    });
  const pages = (base: string) => [`${base}/ok`, `${base}/`, `${base}/missing`];

  const okSite = await site(good);
  const ok = await runScript('security-headers.sh', pages(okSite));
  t.equal(ok.code, 0, ok.stdout + ok.stderr);
  t.match(ok.results, [{ check: 'headers', result: 'passed' }]);

  const xfo = await site({
    ...good,
    'content-security-policy': "default-src 'self'",
    'x-frame-options': 'DENY',
  });
  t.equal((await runScript('security-headers.sh', pages(xfo))).code, 0, 'X-Frame-Options will do');

  const bad = await site({
    ...good,
    'content-security-policy': ["default-src 'self'", "frame-ancestors 'none'"],
    'x-content-type-options': 'sniff',
    server: 'nginx/1.22.1',
    'x-powered-by': 'Express',
  });
  const b = await runScript('security-headers.sh', pages(bad));
  t.equal(b.code, 1);
  const problems = (b.results[0] as { pages: Array<{ problems: string[] }> }).pages[0]!.problems;
  t.strictSame(problems, [
    '2 Content-Security-Policy headers, expected exactly one',
    'X-Content-Type-Options is not nosniff',
    'Server header names a version: nginx/1.22.1',
    'X-Powered-By is sent',
  ]);
  t.match(b.stderr, '::error::security headers: ok (');

  const bare = await startApp(t, { IMAGE_DIGEST: DIGEST_A });
  const a = await runScript('security-headers.sh', [`${bare}/api/health`, `${bare}/`, `${bare}/x`]);
  t.equal(a.code, 1, 'the bare app leaves the headers to the edge in front of it');
  t.match(a.results, [
    { pages: [{ problems: ['0 Content-Security-Policy headers, expected exactly one'] }] },
  ]);

  const swapped = await runScript('security-headers.sh', [
    `${okSite}/`,
    `${okSite}/ok`,
    `${okSite}/ok`,
  ]);
  t.match(
    (swapped.results[0] as { pages: Array<{ problems: string[] }> }).pages.map(
      (p) => p.problems[0],
    ),
    [
      'expected a 2xx status, got 301',
      'expected a 3xx status, got 200',
      'expected a 4xx or 5xx status, got 200',
    ],
  );
  t.equal((await runScript('security-headers.sh', [`${okSite}/ok`])).code, 2);
});

t.test('verify-site.sh runs the checks and writes the JSON and the summary', async (t) => {
  const app = await startApp(t, { IMAGE_DIGEST: DIGEST_A });
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-verify-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const summary = join(dir, 'step-summary.md');
  await writeFile(summary, '# before\n');
  const env = { GITHUB_STEP_SUMMARY: summary, HEALTH_ATTEMPTS: '1', LATENCY_P95_MS: '60000' };

  const ok = await runScript(
    'verify-site.sh',
    [app, DIGEST_A, join(dir, 'ok'), 'health', 'latency'],
    env,
  );
  t.equal(ok.code, 0, ok.stderr);
  const v = JSON.parse(await readFile(join(dir, 'ok', 'verification.json'), 'utf8'));
  t.match(v, {
    result: 'passed',
    site: app,
    digest: DIGEST_A,
    checks: [{ check: 'health' }, { check: 'latency' }],
  });
  const md = await readFile(summary, 'utf8');
  t.match(md, /^# before\n### Verification of http:\/\/127\.0\.0\.1:\d+: passed\n/);
  t.match(md, `Expected release \`${DIGEST_A}\``);
  t.match(md, '| health | ✅ passed | healthy, releaseId');

  const bad = await runScript(
    'verify-site.sh',
    [app, DIGEST_B, join(dir, 'bad'), 'health', 'tls'],
    env,
  );
  t.equal(bad.code, 1);
  const b = JSON.parse(await readFile(join(dir, 'bad', 'verification.json'), 'utf8'));
  t.match(b, {
    result: 'failed',
    checks: [
      { check: 'health', result: 'failed' },
      { check: 'tls', result: 'failed', message: `${app} is not https` },
    ],
  });
  t.match(await readFile(summary, 'utf8'), '| health | ❌ failed |');

  t.equal((await runScript('verify-site.sh', [app, DIGEST_A, dir, 'smoke'])).code, 2);
  t.equal((await runScript('verify-site.sh', [`${app}/path`, DIGEST_A, dir])).code, 2);
});
