// Verified-in-stage gates through the CLI against real registries: `attest` records a
// stage's verdict in the staging repository; `promote --require-verified` refuses (exit 3)
// without a passing record, after a failed one ("failed at TIME by ACTOR (RUN)"), and
// when the record is older than `--max-age`; `--evidence-repo` reads records elsewhere.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { ACTOR, evidenceSetup, RUN_URL } from './evidence-helpers.js';

const e = await evidenceSetup(t, 'evidence-verified');

t.test('attest passed, then failed: refused naming the stage; passed again: allowed', async (t) => {
  const digest = await e.stage('staging/api', '1.0.0');
  const image = `${e.staging('staging/api')}:1.0.0`;
  const prod = e.prod('prod/api');
  const gated = ['promote', image, '--to', prod, '--require-verified', 'staging'];

  const none = await e.run([...gated, '--json']);
  t.equal(none.code, 3, 'no record: refused');
  t.equal(none.json().error.code, 'ERR_NOT_VERIFIED');
  t.match(none.stderr, 'stage staging: no verification record');

  const details = join(e.work, 'verification.json');
  await writeFile(details, JSON.stringify({ result: 'passed', checks: [{ check: 'health' }] }));
  const passed = await e.run([
    'attest',
    image,
    '--stage',
    'staging',
    '--result',
    'passed',
    '--check',
    'health=passed',
    '--details',
    details,
    '--summary',
    'health passed',
    '--json',
  ]);
  t.equal(passed.code, 0, passed.stderr);
  t.match(passed.json(), {
    action: 'attest',
    repository: e.staging('staging/api'),
    digest,
    record: /^sha256:[0-9a-f]{64}$/,
    time: /^\d{4}-/,
    reason: null,
    stage: 'staging',
    result: 'passed',
    dryRun: false,
  });

  const failedAt = await e.run([
    'attest',
    `${e.staging('staging/api')}@${digest}`,
    '--stage',
    'staging',
    '--result',
    'failed',
    '--check',
    'health=failed',
    '--json',
  ]);
  t.equal(failedAt.code, 0, failedAt.stderr);
  const time = failedAt.json().time as string;
  t.match(failedAt.stdout, '"result": "failed"');

  const refused = await e.run(gated);
  t.equal(refused.code, 3);
  t.match(
    refused.stderr,
    `stage staging: failed at ${time} by ${ACTOR} (${RUN_URL})`,
    'names the stage, when, who and the run',
  );
  t.match(refused.stderr, '[ERR_NOT_VERIFIED]');
  t.equal(await e.prodDigest('prod/api', '1.0.0'), undefined, 'nothing promoted');

  const again = await e.run(['attest', image, '--stage', 'staging', '--result', 'passed']);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /^Attested .*@sha256:[0-9a-f]{12}: staging passed$/m);
  const allowed = await e.run([...gated, '--json']);
  t.equal(allowed.code, 0, allowed.stderr);
  t.equal(await e.prodDigest('prod/api', '1.0.0'), digest);

  // Another stage nobody attested still refuses.
  const two = await e.run([...gated, '--require-verified', 'qa']);
  t.equal(two.code, 3);
  t.match(two.stderr, 'stage qa: no verification record');
  t.notMatch(two.stderr, 'stage staging:', 'the verified stage is not listed');

  // status of the digest shows the stages, newest verdict each.
  const st = (await e.run(['status', `${e.staging('staging/api')}@${digest}`, '--json'])).json();
  t.equal(st.stages.staging.result, 'passed');
  t.equal(st.verifications.length, 3);
  t.same(
    st.verifications.map((v: { result: string }) => v.result),
    ['passed', 'failed', 'passed'],
  );
  t.same(st.verifications[2].checks, [{ name: 'health', result: 'passed' }]);
});

t.test('--max-age: a record older than the limit refuses', async (t) => {
  await e.stage('staging/web', '1.0.0');
  const image = `${e.staging('staging/web')}:1.0.0`;
  const prod = e.prod('prod/web');
  const at = await e.run(['attest', image, '--stage', 'staging', '--result', 'passed', '--json']);
  t.equal(at.code, 0, at.stderr);
  const recorded = Date.parse(at.json().time);
  // Poll until the record is older than 1 s (no fixed sleep): --max-age 1s must refuse.
  while (Date.now() - recorded <= 1000) await new Promise((r) => setTimeout(r, 50));
  const old = await e.run([
    'promote',
    image,
    '--to',
    prod,
    '--require-verified',
    'staging',
    '--max-age',
    '1s',
  ]);
  t.equal(old.code, 3, old.stderr);
  t.match(old.stderr, /stage staging: passed at .* too old for --max-age 1s/);
  t.equal(await e.prodDigest('prod/web', '1.0.0'), undefined);
  const fresh = await e.run([
    'promote',
    image,
    '--to',
    prod,
    '--require-verified',
    'staging',
    '--max-age',
    '1h',
  ]);
  t.equal(fresh.code, 0, fresh.stderr);
});

t.test('--evidence-repo reads the records from another repository', async (t) => {
  const digest = await e.stage('staging/svc', '1.0.0');
  const prod = e.prod('prod/svc');
  // The verdict lives in a QA repository that holds the same image.
  const copied = await e.run([
    'copy',
    `${e.staging('staging/svc')}:1.0.0`,
    `${e.staging('qa/svc')}:1.0.0`,
  ]);
  t.equal(copied.code, 0, copied.stderr);
  const at = await e.run([
    'attest',
    `${e.staging('qa/svc')}@${digest}`,
    '--stage',
    'qa',
    '--result',
    'passed',
  ]);
  t.equal(at.code, 0, at.stderr);
  const src = `${e.staging('staging/svc')}:1.0.0`;
  const local = await e.run(['promote', src, '--to', prod, '--require-verified', 'qa']);
  t.equal(local.code, 3, 'not in the source repository');
  const elsewhere = await e.run([
    'promote',
    src,
    '--to',
    prod,
    '--require-verified',
    'qa',
    '--evidence-repo',
    e.staging('qa/svc'),
  ]);
  t.equal(elsewhere.code, 0, elsewhere.stderr);
});

t.test('attest: --dry-run writes nothing; audit log and GitHub outputs', async (t) => {
  const digest = await e.stage('staging/job', '1.0.0');
  const image = `${e.staging('staging/job')}:1.0.0`;
  const audit = join(e.work, 'attest-audit.jsonl');
  const out = join(e.work, 'attest-output');
  const dry = await e.run([
    'attest',
    image,
    '--stage',
    'staging',
    '--result',
    'passed',
    '--dry-run',
  ]);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /^Would attest /);
  const st = (await e.run(['status', `${e.staging('staging/job')}@${digest}`, '--json'])).json();
  t.same(st.verifications, [], 'the dry run recorded nothing');

  const r = await e.run(
    ['attest', image, '--stage', 'staging', '--result', 'failed', '--audit-log', audit],
    { GITHUB_OUTPUT: out },
  );
  t.equal(r.code, 0, r.stderr);
  const [line, ...rest] = (await readFile(audit, 'utf8')).trim().split('\n');
  t.same(rest, [], 'one audit line');
  t.match(JSON.parse(line!), {
    action: 'attest',
    ok: true,
    digest,
    stage: 'staging',
    result: 'failed',
    actor: ACTOR,
  });
  const outputs = await readFile(out, 'utf8');
  t.match(outputs, `digest=${digest}\n`);
  t.match(outputs, 'stage=staging\nresult=failed\n');
  t.match(outputs, /^record=sha256:[0-9a-f]{64}$/m);
});
