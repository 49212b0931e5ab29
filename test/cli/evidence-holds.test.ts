// Holds through the CLI against real registries: a rollback holds the digest it leaves,
// so re-running the promotion that shipped it is refused (exit 3, naming the hold) and
// leaves production as it was; `release` lets it through; `--allow-held` is written down;
// `--no-hold` skips the hold; `hold`/`release` go to the audit log and, in GitHub Actions,
// a refusal is an ::error:: annotation naming the gate.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { ACTOR, evidenceSetup, RUN_URL } from './evidence-helpers.js';

const e = await evidenceSetup(t, 'evidence-holds');

t.test('rollback holds; the same promotion is refused; release lets it through', async (t) => {
  const good = await e.stage('staging/api', '1.0.0');
  const bad = await e.stage('staging/api', '1.1.0');
  const prod = e.prod('prod/api');
  const promoteBad = [
    'promote',
    `${e.staging('staging/api')}:1.1.0`,
    '--to',
    prod,
    '--tag',
    'live',
  ];
  t.equal(
    (await e.run(['promote', `${e.staging('staging/api')}:1.0.0`, '--to', prod, '--tag', 'live']))
      .code,
    0,
  );
  t.equal((await e.run(promoteBad)).code, 0);
  t.equal(await e.prodDigest('prod/api', 'live'), bad);

  const rb = await e.run(['rollback', `${prod}:live`, '--reason', 'bad deploy: 500s', '--json']);
  t.equal(rb.code, 0, rb.stderr);
  const rolled = rb.json();
  t.match(rolled, { digest: good, previousDigest: bad, hold: /^sha256:[0-9a-f]{64}$/ });
  t.equal(await e.prodDigest('prod/api', 'live'), good);

  // The pipeline that shipped the bad image runs again: refused, naming the hold.
  const again = await e.run([...promoteBad, '--json']);
  t.equal(again.code, 3, 'refused by policy');
  t.equal(again.json().error.code, 'ERR_HELD');
  t.match(again.stderr, new RegExp(`${bad} is held in ${prod}`));
  t.match(again.stderr, `by ${ACTOR}`);
  t.match(again.stderr, 'bad deploy: 500s', 'the reason the rollback gave');
  t.match(again.stderr, '[ERR_HELD]');
  t.equal(await e.prodDigest('prod/api', 'live'), good, 'production unchanged');

  // In GitHub Actions: an ::error:: annotation titled with the gate, output refused=hold.
  const out = join(e.work, 'holds-output');
  const gha = await e.run(promoteBad, { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: out });
  t.equal(gha.code, 3);
  t.match(
    gha.stderr,
    /^::error title=oci-promote promote refused by hold::promotion refused: .* \[ERR_HELD\]$/m,
  );
  t.equal(await readFile(out, 'utf8'), 'refused=hold\n');

  // A tag is not a digest: exit 2, nothing released.
  const byTag = await e.run(['release', `${prod}:live`, '--reason', 'fixed']);
  t.equal(byTag.code, 2);

  const rel = await e.run(['release', `${prod}@${bad}`, '--reason', 'fixed in config', '--json']);
  t.equal(rel.code, 0, rel.stderr);
  t.match(rel.json(), {
    action: 'release',
    repository: prod,
    digest: bad,
    record: /^sha256:/,
    reason: 'fixed in config',
    dryRun: false,
  });
  const through = await e.run(promoteBad);
  t.equal(through.code, 0, through.stderr);
  t.equal(await e.prodDigest('prod/api', 'live'), bad, 'promoted after the release');

  const hist = (await e.run(['history', prod, '--json'])).json();
  const actions = hist.entries.map((x: { action: string }) => x.action);
  t.same(actions.slice(0, 2), ['promote', 'release'], 'newest first');
  // The rollback writes its hold and its own record in one operation (in either order).
  t.same(
    actions.slice(2, 4).sort(),
    ['hold', 'rollback'],
    'history lists the hold and the release',
  );
  const text = (await e.run(['history', prod])).stdout;
  t.match(text, /release +sha256:[0-9a-f]{12} {2}by octocat: fixed in config/);
  t.match(text, /rollback .* — reason: bad deploy: 500s/);
});

t.test('hold by hand, --allow-held is written down, --no-hold holds nothing', async (t) => {
  const one = await e.stage('staging/web', '1.0.0');
  const two = await e.stage('staging/web', '2.0.0');
  const prod = e.prod('prod/web');
  const audit = join(e.work, 'holds-audit.jsonl');
  const dry = await e.run([
    'hold',
    `${prod}@${two}`,
    '--reason',
    'CVE-2026-1',
    '--dry-run',
    '--json',
  ]);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.json(), { action: 'hold', digest: two, record: null, dryRun: true });
  const held = await e.run([
    'hold',
    `${prod}@${two}`,
    '--reason',
    'CVE-2026-1',
    '--audit-log',
    audit,
  ]);
  t.equal(held.code, 0, held.stderr);
  t.match(held.stdout, `Held ${prod}@sha256:`);

  const refused = await e.run([
    'promote',
    `${e.staging('staging/web')}:2.0.0`,
    '--to',
    prod,
    '--audit-log',
    audit,
  ]);
  t.equal(refused.code, 3);
  t.match(refused.stderr, 'CVE-2026-1');
  const anyway = await e.run([
    'promote',
    `${e.staging('staging/web')}:2.0.0`,
    '--to',
    prod,
    '--allow-held',
    'patched at runtime',
    '--audit-log',
    audit,
  ]);
  t.equal(anyway.code, 0, anyway.stderr);
  t.equal(await e.prodDigest('prod/web', '2.0.0'), two);
  const hist = (await e.run(['history', `${prod}:2.0.0`, '--json'])).json();
  t.same(hist.entries[0].overrides, [{ gate: 'hold', reason: 'patched at runtime' }]);

  // One audit line per action: the hold, the refusal (naming the gate), the promotion.
  const lines = (await readFile(audit, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 3);
  t.match(lines[0], {
    action: 'hold',
    ok: true,
    repository: prod,
    digest: two,
    reason: 'CVE-2026-1',
    actor: ACTOR,
    runUrl: RUN_URL,
  });
  t.match(lines[1], { action: 'promote', ok: false, refused: 'hold', error: { code: 'ERR_HELD' } });
  t.match(lines[2], { action: 'promote', ok: true, digest: two });

  // --no-hold: the rollback writes no hold, so promoting the same digest again works.
  t.equal(
    (await e.run(['promote', `${e.staging('staging/web')}:1.0.0`, '--to', prod, '--tag', 'live']))
      .code,
    0,
  );
  t.equal(
    (
      await e.run([
        'promote',
        `${e.staging('staging/web')}:2.0.0`,
        '--to',
        prod,
        '--tag',
        'live',
        '--allow-held',
        'still patched',
      ])
    ).code,
    0,
  );
  const rb = await e.run(['rollback', `${prod}:live`, '--no-hold', '--json']);
  t.equal(rb.code, 0, rb.stderr);
  t.match(rb.json(), { digest: one, previousDigest: two, hold: null });
  const st = (await e.run(['status', `${prod}@${two}`, '--json'])).json();
  t.equal(st.holds.length, 1, 'only the hold by hand');
  t.equal(st.held, true);
});

t.test('rollback --to-digest is --to', async (t) => {
  const a = await e.stage('staging/cli', '1.0.0');
  await e.stage('staging/cli', '1.1.0');
  await e.stage('staging/cli', '1.2.0');
  const prod = e.prod('prod/cli');
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
    const r = await e.run([
      'promote',
      `${e.staging('staging/cli')}:${v}`,
      '--to',
      prod,
      '--tag',
      'live',
    ]);
    t.equal(r.code, 0, r.stderr);
  }
  const rb = await e.run(['rollback', `${prod}:live`, '--to-digest', a, '--json']);
  t.equal(rb.code, 0, rb.stderr);
  t.equal(rb.json().digest, a);
  t.equal(await e.prodDigest('prod/cli', 'live'), a);
});
