// promote and rollback through the CLI as a GitHub Actions step sees them, on a real
// registry: $GITHUB_OUTPUT written exactly, the step summary, `::error::` annotations on
// stderr (stdout stays one JSON document under --json), --audit-log lines and
// --notify-url messages delivered to a local HTTP server, with actor and run URL taken
// from the GitHub variables.

import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv, type Json } from '../helpers/cli.js';
import { writeRandomImage } from '../helpers/random.js';
import { startRegistry } from '../helpers/registry.js';
import { pushLayout } from '../helpers/seed.js';

const reg = await startRegistry(t);
const cli = await cliEnv(t);
const work = await mkdtemp(join(tmpdir(), 'oci-promote-gha-cli-test-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

let seeds = 0;
/** stage pushes a fresh image to `staging/<repo>:<tag>` and returns its digest. */
async function stage(repo: string, tag: string): Promise<string> {
  const img = await writeRandomImage(join(work, `img${++seeds}`), {
    seed: `gha-${seeds}`,
    layers: 1,
    layerSize: 1_000,
    tag,
  });
  await pushLayout(reg, img.dir, tag, `staging/${repo}`, tag);
  return img.digest;
}

const GH = {
  GITHUB_ACTIONS: 'true',
  GITHUB_ACTOR: 'octocat',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '2',
};
const RUN_URL = 'https://github.com/octo/app/actions/runs/4242/attempts/2';

let files = 0;
/** ghFiles creates the files the runner would (empty) and returns their env. */
async function ghFiles(): Promise<{ GITHUB_OUTPUT: string; GITHUB_STEP_SUMMARY: string }> {
  files++;
  const env = {
    GITHUB_OUTPUT: join(work, `output-${files}`),
    GITHUB_STEP_SUMMARY: join(work, `summary-${files}`),
  };
  await writeFile(env.GITHUB_OUTPUT, '');
  await writeFile(env.GITHUB_STEP_SUMMARY, '');
  return env;
}

const run = (argv: string[], env: Record<string, string> = {}) =>
  cli.run([argv[0]!, '--plain-http', ...argv.slice(1)], { env: { ...GH, ...env } });

t.test('GitHub outputs, summary and annotations', async (t) => {
  const v1 = await stage('web', '1.2.3');
  const v2 = await stage('web', '1.2.4');
  const prod = `${reg.host}/prod/web`;

  await t.test('a first promotion: outputs exactly, a summary table', async (t) => {
    const f = await ghFiles();
    const r = await run(
      ['promote', '--json', `${reg.host}/staging/web:1.2.3`, '--to', prod, '--semver'],
      f,
    );
    t.equal(r.code, 0, r.stderr);
    t.equal(r.json().digest, v1, 'stdout is the JSON document only');
    t.equal(
      await readFile(f.GITHUB_OUTPUT, 'utf8'),
      `digest=${v1}\ntags=1.2.3,1.2,1,latest\nprevious-digest=\n`,
    );
    const summary = await readFile(f.GITHUB_STEP_SUMMARY, 'utf8');
    t.match(summary, `### ✅ Promoted to \`${prod}\``);
    t.match(summary, '| tag | action | previous digest |');
    t.match(summary, '| `1.2.3` | created | — |');
    t.match(summary, '| `latest` | created | — |');
    t.notMatch(r.stderr, /::error/);
  });

  await t.test('the next release: previous-digest is what the moved tags held', async (t) => {
    const f = await ghFiles();
    const r = await run(['promote', `${reg.host}/staging/web:1.2.4`, '--to', prod, '--semver'], f);
    t.equal(r.code, 0, r.stderr);
    t.equal(
      await readFile(f.GITHUB_OUTPUT, 'utf8'),
      `digest=${v2}\ntags=1.2.4,1.2,1,latest\nprevious-digest=${v1}\n`,
    );
    t.match(await readFile(f.GITHUB_STEP_SUMMARY, 'utf8'), `| \`1.2\` | moved | \`${v1}\` |`);
  });

  await t.test('a dry run reports its plan', async (t) => {
    const f = await ghFiles();
    const r = await run(
      ['promote', '--dry-run', `${reg.host}/staging/web:1.2.3`, '--to', prod, '--tag', 'candidate'],
      f,
    );
    t.equal(r.code, 0, r.stderr);
    t.equal(
      await readFile(f.GITHUB_OUTPUT, 'utf8'),
      `digest=${v1}\ntags=candidate\nprevious-digest=\n`,
    );
    t.match(await readFile(f.GITHUB_STEP_SUMMARY, 'utf8'), 'planned (dry run, nothing written)');
  });

  await t.test('rollback: outputs and summary', async (t) => {
    const f = await ghFiles();
    // --no-hold: the refusal below is meant to be --require-referrer's, not a hold's.
    const r = await run(['rollback', `${prod}:latest`, '--no-hold'], f);
    t.equal(r.code, 0, r.stderr);
    t.equal(
      await readFile(f.GITHUB_OUTPUT, 'utf8'),
      `digest=${v1}\ntags=latest\nprevious-digest=${v2}\n`,
    );
    t.match(await readFile(f.GITHUB_STEP_SUMMARY, 'utf8'), `### ↩️ Rolled back \`${prod}:latest\``);
  });

  await t.test('a refusal: ::error:: on stderr, JSON only on stdout, no outputs', async (t) => {
    const f = await ghFiles();
    const r = await run(
      [
        'promote',
        '--json',
        `${reg.host}/staging/web:1.2.4`,
        '--to',
        prod,
        '--require-referrer',
        'application/vnd.example.none',
      ],
      f,
    );
    t.equal(r.code, 3, r.stderr);
    const doc = r.json();
    t.ok(doc.error?.code, 'stdout is the JSON error document');
    const annotations = r.stderr.split('\n').filter((l) => l.startsWith('::'));
    t.equal(annotations.length, 1, r.stderr);
    t.match(annotations[0], /^::error title=oci-promote promote::.+ \[ERR_[A-Z_]+\]$/);
    t.equal(await readFile(f.GITHUB_OUTPUT, 'utf8'), '', 'no outputs on failure');
    t.match(await readFile(f.GITHUB_STEP_SUMMARY, 'utf8'), '### ❌ oci-promote promote failed');
  });

  await t.test('outside GitHub Actions: no annotation, no files', async (t) => {
    const r = await cli.run([
      'promote',
      '--plain-http',
      `${reg.host}/staging/web:1.2.4`,
      '--to',
      prod,
      '--require-referrer',
      'application/vnd.example.none',
    ]);
    t.equal(r.code, 3);
    t.notMatch(r.stderr, /::error/);
  });
});

t.test('--audit-log: one JSON line per action, with actor and run URL', async (t) => {
  const digest = await stage('api', '2.0.0');
  const prod = `${reg.host}/prod/api`;
  const log = join(work, 'audit.jsonl');
  const ok = await run([
    'promote',
    `${reg.host}/staging/api:2.0.0`,
    '--to',
    prod,
    '--audit-log',
    log,
  ]);
  t.equal(ok.code, 0, ok.stderr);
  const refused = await run([
    'promote',
    `${reg.host}/staging/api:2.0.0`,
    '--to',
    prod,
    '--require-referrer',
    'application/vnd.example.none',
    '--audit-log',
    log,
  ]);
  t.equal(refused.code, 3);
  const lines = (await readFile(log, 'utf8')).split('\n');
  t.equal(lines.pop(), '');
  t.equal(lines.length, 2, 'one line per action');
  const [first, second] = lines.map((l) => JSON.parse(l) as Json);
  t.match(first, {
    action: 'promote',
    ok: true,
    dryRun: false,
    repository: prod,
    digest,
    tags: [{ tag: '2.0.0', action: 'created', previousDigest: null }],
    actor: 'octocat',
    runUrl: RUN_URL,
  });
  t.match(second, { action: 'promote', ok: false, repository: prod, error: { code: /^ERR_/ } });
  t.ok(!Number.isNaN(Date.parse(first.time)));
});

t.test(
  '--notify-url: delivered on success and failure; a failing receiver never fails the run',
  async (t) => {
    const received: { url: string; body: Json }[] = [];
    let status = 200;
    const srv = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.statusCode = status;
        res.end(status === 200 ? 'ok' : 'no_service');
      });
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    t.teardown(() => srv.close());
    const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    const hook = `${base}/services/T0/B0/s3cr3t`;

    const digest = await stage('worker', '3.0.0');
    const prod = `${reg.host}/prod/worker`;
    const ok = await run([
      'promote',
      `${reg.host}/staging/worker:3.0.0`,
      '--to',
      prod,
      '--notify-url',
      hook,
    ]);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(received.length, 1);
    t.equal(received[0]!.url, '/services/T0/B0/s3cr3t');
    t.match(received[0]!.body, {
      text: /^✅ promoted .* by octocat — <https:\/\/github\.com\/octo\/app\/actions\/runs\/4242\/attempts\/2>$/,
      event: { action: 'promote', ok: true, digest, actor: 'octocat', runUrl: RUN_URL },
    });

    const refused = await run([
      'promote',
      `${reg.host}/staging/worker:3.0.0`,
      '--to',
      prod,
      '--require-referrer',
      'application/vnd.example.none',
      '--notify-url',
      hook,
    ]);
    t.equal(refused.code, 3);
    t.equal(received.length, 2);
    t.match(received[1]!.body, { text: /^❌ promotion of /, event: { ok: false } });

    status = 500;
    const f = await ghFiles();
    const still = await run(
      ['promote', '--json', `${reg.host}/staging/worker:3.0.0`, '--to', prod, '--notify-url', hook],
      f,
    );
    t.equal(still.code, 0, 'a failed notification does not fail the promotion');
    t.equal(still.json().digest, digest);
    t.match(still.stderr, base, 'the warning names the receiver');
    t.notMatch(still.stderr + still.stdout, /s3cr3t/, 'never the secret part of its URL');
    t.match(still.stderr, /^::warning title=oci-promote promote::notification to /m);
  },
);
