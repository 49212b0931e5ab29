// The pipeline rehearsal (`npm run test:pipeline`): a private dockerd, two docker-registry
// processes (staging, production), the sample app built with docker and pushed to staging,
// then what the workflows run, in the coordinator's order, against localhost with every path
// under a temporary prefix:
//   staging playbook -> verify-site.sh (health, latency) -> attest-results.sh (attest --stage
//   staging) -> promotion gated by --require-verified staging (refused before the attest) ->
//   dependency check (image-ready.sh: complete, not held, not frozen) -> production playbook
//   over HTTPS -> production verification (verify-site.sh: health, latency, TLS, headers;
//   attest --stage production) -> a second run changes nothing -> a deliberately unhealthy
//   release, promoted, is rolled back by the playbook's rescue (non-zero exit, good digest
//   still served, the failure reported for the pipeline) -> the rollback path: oci-promote
//   rollback (holds the bad digest) + the playbook in rollback mode -> the bad digest is held:
//   the dependency check and the playbook refuse it, re-running its promotion is refused
//   (exit 3, names the hold, output refused=hold) -> release -> the promotion goes through.
// Each step prints its duration, and a table of them at the end. Needs root (dockerd);
// otherwise the test fails with the reason in one line. The unhealthy release is recorded as
// verified by staging by hand: its failure shows in production only.
import { chmod, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { findFreePort, startRegistry } from '../helpers/registry.js';
import { createPki } from '../helpers/tls.js';
import {
  ansiblePlaybook,
  localInventory,
  prefixVars,
  type Run,
  recap,
  run,
  type Stage,
  tempDir,
} from '../pipeline/helpers/ansible.js';
import { root, runScript } from '../pipeline/helpers/scripts.js';
import { cannotRunDockerd, type Dockerd, startDockerd } from './helpers/dockerd.js';

const cli = ['node', join(root, 'dist', 'oci-promote.mjs')];
/** Ansible reports each task's time (the three slowest are printed per playbook). */
const PROFILE = { ANSIBLE_CALLBACKS_ENABLED: 'ansible.posix.profile_tasks' };
const reason = await cannotRunDockerd();

/** The steps run so far and their durations, for the table at the end. */
const timings: Array<[string, number]> = [];

/** step runs FN and prints its name and duration (and what NOTE says of its result). */
async function step<T>(
  t: Test,
  name: string,
  fn: () => Promise<T>,
  note?: (result: T) => string,
): Promise<T> {
  const start = process.hrtime.bigint();
  let result: T | undefined;
  try {
    result = await fn();
    return result;
  } finally {
    const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
    timings.push([name, ms]);
    const extra = note && result !== undefined ? ` — ${note(result)}` : '';
    t.comment(`step: ${name} (${(ms / 1000).toFixed(1)} s)${extra}`);
  }
}

/** exits asserts a command's exit code, with the ends of its output shown on a failure. */
function exits(t: Test, r: Run, code: number, what: string): void {
  t.equal(r.code, code, `${what}: exit ${code}`, {
    stdout: r.stdout.slice(-3000),
    stderr: r.stderr.slice(-3000),
  });
}

/**
 * playbookNote is the recap of a playbook run (ok, changed, failed, rescued) and its three
 * slowest tasks (Ansible's profile_tasks callback), for the step's line.
 */
function playbookNote(r: Run): string {
  const counts = recap(r.stdout).localhost ?? {};
  const slow = [...r.stdout.matchAll(/^(.+?) -{3,} (\d+\.\d+)s$/gm)]
    .map((m) => [m[1]!.trim(), Number(m[2])] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([task, sec]) => `${task} ${sec.toFixed(1)} s`);
  const recapText = ['ok', 'changed', 'failed', 'rescued']
    .map((k) => `${k}=${counts[k] ?? 0}`)
    .join(' ');
  return `${recapText}; slowest: ${slow.join(', ') || '?'}`;
}

/**
 * buildContext writes a build context for examples/app that needs no network: the
 * Dockerfile's final stage (FROM scratch) as it is, its rootfs made here from the host's
 * static busybox (the first stage would fetch busybox-static from Debian).
 */
async function buildContext(dir: string): Promise<string> {
  const app = join(root, 'examples', 'app');
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'app'), { recursive: true });
  await cp('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const cmd of ['sh', 'nc', 'tr', 'printf', 'dirname', 'wget']) {
    await symlink('busybox', join(rootfs, 'bin', cmd));
  }
  for (const f of ['handler.sh', 'start.sh']) await cp(join(app, f), join(rootfs, 'app', f));
  const dockerfile = await readFile(join(app, 'Dockerfile'), 'utf8');
  const final = dockerfile.slice(dockerfile.indexOf('FROM scratch'));
  await writeFile(
    join(dir, 'Dockerfile'),
    final.replace('COPY --from=busybox /rootfs /', 'COPY rootfs /'),
  );
  return dir;
}

/** buildAndPush builds the app with ARGS and pushes it as REF; returns the pushed digest. */
async function buildAndPush(
  docker: Dockerd,
  context: string,
  ref: string,
  args: string[],
): Promise<string> {
  const build = await docker.docker(['build', '-q', ...args, '-t', ref, context]);
  if (build.code !== 0) throw new Error(`docker build: ${build.stderr}`);
  const push = await docker.docker(['push', ref]);
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(push.stdout)?.[1];
  if (push.code !== 0 || !digest)
    throw new Error(`docker push ${ref}: ${push.stdout}${push.stderr}`);
  return digest;
}

// A rehearsal that cannot run fails with the reason: it never passes, nor skips, silently.
if (reason) t.fail(`the pipeline rehearsal cannot run: ${reason}`);
else
  t.test('pipeline rehearsal on a real Docker engine', async (t) => {
    const dir = await tempDir(t, 'rehearsal');
    // What the CLI writes for GitHub Actions goes to files of the rehearsal, as in a job step
    // (and never into the job that runs the rehearsal).
    const github = {
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: join(dir, 'github-output'),
      GITHUB_STEP_SUMMARY: join(dir, 'github-step-summary'),
    };
    Object.assign(process.env, github);
    /** oci runs the CLI (loopback registries: plain http). */
    const oci = (args: string[]) => run(cli[0]!, [cli[1]!, ...args, '--plain-http']);
    // The scripts call `oci-promote` (lib.sh `cli`): this executable stands in for it.
    const ociBin = join(dir, 'oci-promote');
    await writeFile(ociBin, `#!/bin/sh\nexec ${cli.join(' ')} "$@" --plain-http\n`);
    await chmod(ociBin, 0o755);
    const scriptEnv = { OCI_PROMOTE: ociBin, ...github };

    const docker = await step(t, 'start dockerd', () => startDockerd(t, join(dir, 'docker')));
    const [staging, production] = await step(t, 'start two registries', () =>
      Promise.all([startRegistry(t), startRegistry(t)]),
    );
    const stagingRepo = `${staging!.host}/acme/app`;
    const productionRepo = `${production!.host}/acme/app`;
    const version = (await readFile(join(root, 'examples', 'app', 'VERSION'), 'utf8')).trim();

    const context = await buildContext(join(dir, 'context'));
    const good = await step(t, `build ${version} and push it to staging`, () =>
      buildAndPush(docker, context, `${stagingRepo}:${version}`, [
        '--build-arg',
        `VERSION=${version}`,
      ]),
    );
    const bad = await step(t, 'build an unhealthy 9.9.9 and push it to staging', () =>
      buildAndPush(docker, context, `${stagingRepo}:9.9.9`, [
        '--build-arg',
        'VERSION=9.9.9',
        '--build-arg',
        'HEALTH_STATUS=fail',
      ]),
    );

    const pki = await createPki(t);
    const ca = await pki.ca('rehearsal root');
    const leaf = await pki.issue(ca, 'app', {
      ip: ['127.0.0.1'],
      dns: ['app.test', 'localhost'],
    });
    const common = {
      docker_host: docker.host,
      compose_command: 'docker-compose',
      oci_promote_command: cli,
      oci_promote_args: ['--plain-http'],
      health_delay: 1,
    };
    const site: Record<
      Stage,
      { vars: Record<string, unknown>; inventory: string; http: number; https: number }
    > = {} as never;
    for (const stage of ['staging', 'production'] as const) {
      const prefix = join(dir, stage);
      const http = await findFreePort();
      const https = await findFreePort();
      const conf = join(prefix, 'nginx', 'nginx.conf');
      // nginx is started by the playbook's reload handler; stop it by its pid file.
      t.teardown(() =>
        run('sh', ['-c', `[ ! -s ${prefix}/nginx/nginx.pid ] || nginx -c ${conf} -s quit`]),
      );
      site[stage] = {
        http,
        https,
        inventory: await localInventory(dir, stage),
        vars: {
          ...prefixVars(prefix, { http, https, certPath: leaf.certPath, keyPath: leaf.keyPath }),
          ...common,
          compose_project: `rehearsal-${stage}`,
          app_port: await findFreePort(),
          image_repository: stage === 'staging' ? stagingRepo : productionRepo,
        },
      };
    }
    const reports = join(dir, 'rollback-reports');
    await mkdir(reports);
    const prodVars = { ...site.production.vars, rollback_report_dir: reports };
    const productionPlaybook = (vars: Record<string, unknown>) =>
      ansiblePlaybook(
        dir,
        'production-deploy.yml',
        site.production.inventory,
        { ...prodVars, ...vars },
        PROFILE,
      );
    /** promote: the CLI as image-promotion.yml runs it (through the action). */
    const promote = (tag: string, digest: string) =>
      oci([
        'promote',
        `${stagingRepo}:${tag}@${digest}`,
        '--to',
        productionRepo,
        '--semver',
        '--referrers',
        '--require-verified',
        'staging',
      ]);
    const https = `https://127.0.0.1:${site.production.https}`;
    const served = async () =>
      JSON.parse(
        (await run('curl', ['-sS', '--cacert', ca.certPath, `${https}/api/health`])).stdout || '{}',
      );

    // --- staging -------------------------------------------------------------------------------
    const stg = await step(
      t,
      'staging playbook',
      () =>
        ansiblePlaybook(
          dir,
          'staging-deploy.yml',
          site.staging.inventory,
          { ...site.staging.vars, image_digest: good },
          PROFILE,
        ),
      playbookNote,
    );
    exits(t, stg, 0, 'staging playbook');

    const early = await step(t, 'promotion before staging verified it (refused)', () =>
      promote(version, good),
    );
    exits(t, early, 3, 'promotion before staging verified it');
    t.match(early.stderr, /staging/, 'the refusal names the stage');

    const stgDir = join(dir, 'staging-verification');
    const stgVerify = await step(t, 'staging verification (verify-site.sh health latency)', () =>
      runScript(
        'verify-site.sh',
        [`http://127.0.0.1:${site.staging.http}`, good, stgDir, 'health', 'latency'],
        { ...scriptEnv, LATENCY_P95_MS: '3000' },
      ),
    );
    exits(t, stgVerify, 0, 'staging verification');
    const stgAttest = await step(t, 'attest --stage staging (attest-results.sh)', () =>
      runScript(
        'attest-results.sh',
        ['staging', `${stagingRepo}@${good}`, join(stgDir, 'verification.json')],
        scriptEnv,
      ),
    );
    exits(t, stgAttest, 0, 'attest --stage staging');
    const readiness = await step(t, 'promotion-readiness report (status --format markdown)', () =>
      oci(['status', `${stagingRepo}@${good}`, '--format', 'markdown']),
    );
    exits(t, readiness, 0, 'status --format markdown');
    t.match(readiness.stdout, /staging/, 'the report lists the staging verification');

    // --- promotion, dependency check, production ------------------------------------------
    const gated = await step(t, 'gated promotion (--require-verified staging)', () =>
      promote(version, good),
    );
    exits(t, gated, 0, 'gated promotion');

    const ready = await step(t, 'dependency check (image-ready.sh)', () =>
      runScript('image-ready.sh', [productionRepo, good], scriptEnv),
    );
    exits(t, ready, 0, 'dependency check');
    t.match(ready.results, [
      { check: 'complete', result: 'passed' },
      { check: 'hold', result: 'passed' },
      { check: 'freeze', result: 'passed' },
    ]);

    const prod = await step(
      t,
      'production playbook',
      () => productionPlaybook({ image_digest: good }),
      playbookNote,
    );
    exits(t, prod, 0, 'production playbook');
    t.match(
      await served(),
      { status: 'pass', releaseId: good },
      'production serves the digest over HTTPS',
    );

    const prodDir = join(dir, 'production-verification');
    const verification = await step(t, 'production verification (verify-site.sh, all checks)', () =>
      runScript('verify-site.sh', [`https://localhost:${site.production.https}`, good, prodDir], {
        ...scriptEnv,
        CURL_CA_BUNDLE: ca.certPath,
        TLS_CA_FILE: ca.certPath,
        TLS_CONNECT: '127.0.0.1',
        // The test certificate lives 2 days: the expiry thresholds shrink with it.
        TLS_WARN_DAYS: '1',
        TLS_FAIL_DAYS: '0',
        HTTP_PORT: String(site.production.http),
        LATENCY_P95_MS: '3000',
      }),
    );
    exits(t, verification, 0, 'production verification');
    const prodAttest = await step(t, 'attest --stage production (attest-results.sh)', () =>
      runScript(
        'attest-results.sh',
        ['production', `${productionRepo}@${good}`, join(prodDir, 'verification.json')],
        scriptEnv,
      ),
    );
    exits(t, prodAttest, 0, 'attest --stage production');

    const again = await step(
      t,
      'production playbook again (idempotence)',
      () => productionPlaybook({ image_digest: good }),
      playbookNote,
    );
    exits(t, again, 0, 'production playbook again');
    t.equal(recap(again.stdout).localhost?.changed, 0, 'a second run changes nothing');

    // --- an unhealthy release ------------------------------------------------------------------
    const badAttest = await step(
      t,
      'staging verified 9.9.9 (by hand: it fails in production only)',
      () =>
        oci([
          'attest',
          `${stagingRepo}:9.9.9`,
          '--stage',
          'staging',
          '--result',
          'passed',
          '--summary',
          'rehearsal: the failure shows in production only',
        ]),
    );
    exits(t, badAttest, 0, 'attest 9.9.9 by hand');
    const promoteBad = await step(t, 'gated promotion of 9.9.9', () => promote('9.9.9', bad));
    exits(t, promoteBad, 0, 'gated promotion of 9.9.9');
    const failed = await step(
      t,
      'production playbook with 9.9.9 (rescue)',
      () => productionPlaybook({ image_digest: bad, health_retries: 3 }),
      playbookNote,
    );
    t.not(failed.code, 0, 'the run fails');
    t.match(
      recap(failed.stdout).localhost,
      { rescued: 1, failed: 1 },
      'rescued, then failed on purpose',
    );
    t.match(
      failed.stdout,
      new RegExp(`${bad} failed on localhost .*rolled back\\s+to ${good}`, 's'),
    );
    t.match(
      await served(),
      { status: 'pass', releaseId: good },
      'the site still serves the good digest',
    );
    const state = join(dir, 'production', 'opt', 'app', 'state', 'deployed-digest');
    t.equal(
      (await readFile(state, 'utf8')).trim(),
      good,
      'the good digest is recorded as deployed',
    );
    // What prod-deploy.yml reads to run rollback.yml.
    t.match(JSON.parse(await readFile(join(reports, 'localhost.json'), 'utf8')), {
      host: 'localhost',
      failedDigest: bad,
      rollbackDigest: good,
    });

    // --- the rollback path (rollback.yml) --------------------------------------------------------
    const rollback = await step(t, 'oci-promote rollback (holds 9.9.9)', () =>
      oci([
        'rollback',
        `${productionRepo}:latest`,
        '--reason',
        'rehearsal: 9.9.9 failed its health checks',
        '--json',
      ]),
    );
    exits(t, rollback, 0, 'oci-promote rollback');
    const rolled = JSON.parse(rollback.stdout || '{}');
    t.match(rolled, { digest: good, previousDigest: bad, hold: /^sha256:[a-f0-9]{64}$/ });
    const restore = await step(
      t,
      'production playbook in rollback mode',
      () => productionPlaybook({ deploy_mode: 'rollback', image_digest: rolled.digest }),
      playbookNote,
    );
    exits(t, restore, 0, 'rollback mode');
    t.match(await served(), { status: 'pass', releaseId: good }, 'the restored digest is served');

    const status = await step(t, 'status of 9.9.9 in production (--json)', () =>
      oci(['status', `${productionRepo}@${bad}`, '--json']),
    );
    exits(t, status, 0, 'status --json');
    t.match(JSON.parse(status.stdout || '{}'), {
      held: true,
      freeze: null,
      holds: [{ digest: bad, reason: /9\.9\.9 failed its health checks/ }],
    });
    const notReady = await step(t, 'dependency check of 9.9.9 (refused: held)', () =>
      runScript('image-ready.sh', [productionRepo, bad], scriptEnv),
    );
    exits(t, notReady, 1, 'dependency check of the held digest');
    t.match(notReady.results, [
      { result: 'passed' },
      { check: 'hold', result: 'failed', message: /failed its health checks/ },
    ]);
    const refusedDeploy = await step(
      t,
      'production playbook with 9.9.9 (refused: held)',
      () => productionPlaybook({ image_digest: bad }),
      playbookNote,
    );
    t.not(refusedDeploy.code, 0);
    t.match(refusedDeploy.stdout, /may not be deployed:\s+held by/);
    t.notOk(recap(refusedDeploy.stdout).localhost?.changed, 'no server touched');

    await writeFile(github.GITHUB_OUTPUT, '');
    const rerun = await step(t, 're-run the promotion of 9.9.9 (refused: held)', () =>
      promote('9.9.9', bad),
    );
    exits(t, rerun, 3, 're-run of the held promotion');
    t.match(rerun.stderr, /held/, 'the refusal names the hold');
    t.match(rerun.stderr, /9\.9\.9 failed its health checks/, 'and why it was held');
    t.match(
      await readFile(github.GITHUB_OUTPUT, 'utf8'),
      /^refused=hold$/m,
      'step output refused=hold',
    );
    const report = await step(t, 'status report of production latest (--format markdown)', () =>
      oci(['status', `${productionRepo}:latest`, '--format', 'markdown']),
    );
    exits(t, report, 0, 'status --format markdown');
    t.match(report.stdout, /```mermaid[\s\S]*rollback[\s\S]*```/, 'a diagram with the rollback');
    const tags = JSON.parse(
      (await oci(['status', `${productionRepo}:latest`, '--json'])).stdout || '{}',
    );
    t.equal(tags.digest, good, 'latest still points to the good digest');

    // --- release: the promotion goes through ---------------------------------------------------
    const release = await step(t, 'release 9.9.9', () =>
      oci(['release', `${productionRepo}@${bad}`, '--reason', 'rehearsal: fixed elsewhere']),
    );
    exits(t, release, 0, 'release');
    const afterRelease = await step(
      t,
      're-run the promotion of 9.9.9 (released: goes through)',
      () => promote('9.9.9', bad),
    );
    exits(t, afterRelease, 0, 'promotion once released');

    const total = timings.reduce((n, [, ms]) => n + ms, 0);
    const width = Math.max(...timings.map(([name]) => name.length));
    const line = (name: string, ms: number) =>
      `  ${name.padEnd(width)}  ${(ms / 1000).toFixed(1).padStart(6)} s`;
    t.comment(
      ['rehearsal steps:', ...timings.map(([n, ms]) => line(n, ms)), line('total', total)].join(
        '\n',
      ),
    );
  });
