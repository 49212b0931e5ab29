// The small scripts the workflows run (.github/scripts/): shellcheck over all of them (and the
// sample app's), then each one's contract: input validation, results, annotations, exit codes.
// Scripts that talk to a web server or a registry have their own files (scripts-web, -tls,
// -registry); here the ones that need at most a local node:http server or a stub CLI.
import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { DIGEST_A, httpServer, root, runScript, scriptsDir, stubCli } from './helpers/scripts.js';

const scripts = (await readdir(scriptsDir)).filter((f) => f.endsWith('.sh')).sort();

t.test('shellcheck passes on every script, the sample app included', async (t) => {
  t.ok(scripts.length >= 10, 'the scripts are there');
  // As .ci/run calls it: no flags, from the repository root (.github/scripts/.shellcheckrc
  // lets it follow `. lib.sh`).
  const bash = spawnSync(
    'shellcheck',
    scripts.map((f) => join('.github', 'scripts', f)),
    {
      encoding: 'utf8',
      cwd: root,
    },
  );
  t.equal(bash.status, 0, `shellcheck .github/scripts\n${bash.stdout}${bash.stderr}`);
  const app = ['handler.sh', 'start.sh'].map((f) => join(root, 'examples', 'app', f));
  const sh = spawnSync('shellcheck', ['--shell=sh', '--severity=style', ...app], {
    encoding: 'utf8',
  });
  t.equal(sh.status, 0, `shellcheck examples/app (POSIX sh)\n${sh.stdout}${sh.stderr}`);
  // The control: shellcheck really reads these files and reports.
  const bad = spawnSync('shellcheck', ['-'], { input: '#!/bin/sh\necho $1\n', encoding: 'utf8' });
  t.not(bad.status, 0, 'an unquoted expansion is reported');
});

t.test('every script is strict bash, executable, and says what it does', async (t) => {
  for (const f of scripts.filter((f) => f !== 'lib.sh')) {
    const text = await readFile(join(scriptsDir, f), 'utf8');
    t.match(
      text,
      new RegExp(`^#!/usr/bin/env bash\\n# ${f.replace('.', '\\.')}[ :]`),
      `${f}: shebang, usage comment`,
    );
    t.match(text, /\nset -euo pipefail\n/, `${f}: set -euo pipefail`);
    const mode = spawnSync('test', ['-x', join(scriptsDir, f)]).status;
    t.equal(mode, 0, `${f} is executable`);
  }
});

t.test('check-digest.sh accepts only sha256:<64 lowercase hex>', async (t) => {
  t.equal((await runScript('check-digest.sh', [DIGEST_A])).code, 0);
  const bad = [
    '',
    'sha256:abc',
    `sha256:${'A'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    `${DIGEST_A}\n`,
    `${DIGEST_A}x`,
    ` ${DIGEST_A}`,
    `sha256:${'a'.repeat(63)}g`,
    `${DIGEST_A}\n::add-mask::x`,
  ];
  for (const d of bad) {
    const r = await runScript('check-digest.sh', [d]);
    t.equal(r.code, 2, `refused: ${JSON.stringify(d)}`);
    t.match(r.stderr, /^::error::digest must match \^sha256:\[a-f0-9\]\{64\}\$/);
    t.notMatch(r.stderr, /\n::add-mask::/, 'the value cannot start a workflow command');
  }
});

t.test('require-env.sh names missing secrets and variables, never values', async (t) => {
  const ok = await runScript('require-env.sh', ['A', 'B'], { A: 'secret-a', B: 'b' });
  t.equal(ok.code, 0);
  t.match(ok.results, [{ check: 'configuration', result: 'passed' }]);
  const miss = await runScript('require-env.sh', ['A', 'B', 'C'], { A: 'secret-a', B: '' });
  t.equal(miss.code, 1);
  t.match(miss.results, [{ check: 'configuration', result: 'failed', missing: ['B', 'C'] }]);
  t.match(miss.stderr, '::error::required secrets or variables not set: B C');
  t.notMatch(miss.stdout + miss.stderr, 'secret-a');
  t.equal((await runScript('require-env.sh', [])).code, 2);
  t.equal((await runScript('require-env.sh', ['A;x'])).code, 2);
});

t.test('attest-results.sh turns a verification into `oci-promote attest` arguments', async (t) => {
  const cli = await stubCli(t);
  const file = join(cli.log, '..', 'verification.json');
  await writeFile(
    file,
    JSON.stringify({
      result: 'passed',
      checks: [
        { check: 'health', result: 'passed', message: 'ok' },
        { check: 'tls', result: 'warning', message: 'expires in 20 days' },
      ],
    }),
  );
  const image = `ghcr.io/acme/app@${DIGEST_A}`;
  const r = await runScript('attest-results.sh', ['production', image, file], {
    OCI_PROMOTE: cli.path,
  });
  t.equal(r.code, 0, r.stderr);
  const argv = JSON.parse((await readFile(cli.log, 'utf8')).trim());
  t.strictSame(argv, [
    'attest',
    image,
    '--stage',
    'production',
    '--result',
    'passed',
    '--check',
    'health=passed',
    '--check',
    'tls=passed',
    '--details',
    file,
    '--summary',
    'health passed, tls warning',
  ]);

  await writeFile(
    file,
    JSON.stringify({ result: 'failed', checks: [{ check: 'health', result: 'failed' }] }),
  );
  const failed = await runScript('attest-results.sh', ['staging', image, file], {
    OCI_PROMOTE: cli.path,
  });
  t.equal(failed.code, 0, 'a failed verification is recorded, not an error of the script');
  const last = JSON.parse((await readFile(cli.log, 'utf8')).trim().split('\n').at(-1)!);
  t.match(last, [
    'attest',
    image,
    '--stage',
    'staging',
    '--result',
    'failed',
    '--check',
    'health=failed',
  ]);

  // Stage names as the CLI takes them: ^[a-z0-9][a-z0-9._-]{0,63}$.
  const dotted = await runScript('attest-results.sh', ['eu-1.pre-prod_2', image, file], {
    OCI_PROMOTE: cli.path,
  });
  t.equal(dotted.code, 0, `a stage name with dots and digits\n${dotted.stderr}`);

  const exit3 = await stubCli(t, 'exit 3');
  const refused = await runScript('attest-results.sh', ['staging', image, file], {
    OCI_PROMOTE: exit3.path,
  });
  t.equal(refused.code, 3, "the CLI's exit code is the script's");

  for (const [args, why] of [
    [['Staging!', image, file], 'stage syntax'],
    [['-staging', image, file], 'a stage starting with a dash'],
    [['s'.repeat(65), image, file], 'a stage longer than 64'],
    [['staging', 'ghcr.io/acme/app:1.0', file], 'a tag, not a digest'],
    [['staging', image, join(root, 'package.json')], 'not a verification file'],
  ] as const) {
    const r = await runScript('attest-results.sh', [...args], { OCI_PROMOTE: cli.path });
    t.equal(r.code, 2, `refused: ${why}`);
  }
});

t.test('notify.sh posts Slack-compatible JSON; no URL or a failing hook never fails', async (t) => {
  const seen: Array<{ path: string; type: string; body: string }> = [];
  let status = 200;
  const base = await httpServer(t, (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body });
      res.writeHead(status, status === 302 ? { location: '/elsewhere' } : {}).end();
    });
  });
  const url = `${base}/services/T0/B0/s3cr3t`;
  const text = '✅ promoted "app" → 1.2.3 $(touch x)';

  const ok = await runScript('notify.sh', [text], { NOTIFY_WEBHOOK_URL: url });
  t.equal(ok.code, 0, ok.stderr);
  t.equal(seen.length, 1);
  t.match(seen[0], { path: '/services/T0/B0/s3cr3t', type: 'application/json' });
  t.strictSame(JSON.parse(seen[0]!.body), { text });

  const none = await runScript('notify.sh', [text]);
  t.equal(none.code, 0);
  t.match(none.stderr, 'no notification');
  t.equal(seen.length, 1, 'nothing sent without a URL');

  for (const s of [500, 302]) {
    status = s;
    const r = await runScript('notify.sh', [text], { NOTIFY_WEBHOOK_URL: url });
    t.equal(r.code, 0, `HTTP ${s} does not fail the job`);
    t.match(r.stderr, `::warning::notification to ${base} not delivered (HTTP ${s})`);
    t.notMatch(r.stderr, 's3cr3t', 'the secret path is not printed');
  }
  t.equal(seen.length, 3, 'the redirect was not followed');

  const down = await runScript('notify.sh', [text], {
    NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:1/hook/secret',
  });
  t.equal(down.code, 0);
  t.match(down.stderr, '::warning::notification to http://127.0.0.1:1 not delivered (HTTP 000)');
});
