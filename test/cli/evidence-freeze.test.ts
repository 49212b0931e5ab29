import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { ACTOR, evidenceSetup } from './evidence-helpers.js';

const e = await evidenceSetup(t, 'evidence-freeze');

t.test('freeze blocks promote, allows rollback; override is recorded; unfreeze', async (t) => {
  const one = await e.stage('staging/api', '1.0.0');
  const two = await e.stage('staging/api', '2.0.0');
  const prod = e.prod('prod/api');
  const promote = (v: string, ...more: string[]) =>
    e.run(['promote', `${e.staging('staging/api')}:${v}`, '--to', prod, '--tag', 'live', ...more]);
  t.equal((await promote('1.0.0')).code, 0);
  t.equal((await promote('2.0.0')).code, 0);

  const fr = await e.run(['freeze', prod, '--reason', 'launch week', '--json']);
  t.equal(fr.code, 0, fr.stderr);
  t.match(fr.json(), {
    action: 'freeze',
    repository: prod,
    digest: null,
    record: /^sha256:/,
    reason: 'launch week',
    until: null,
  });

  const refused = await promote('1.0.0', '--json');
  t.equal(refused.code, 3);
  t.equal(refused.json().error.code, 'ERR_FROZEN');
  t.match(refused.stderr, `${prod} is frozen since`);
  t.match(refused.stderr, `by ${ACTOR}`);
  t.match(refused.stderr, 'launch week');
  t.equal(await e.prodDigest('prod/api', 'live'), two, 'production unchanged');

  const annotated = await e.run(
    ['promote', `${e.staging('staging/api')}:1.0.0`, '--to', prod, '--tag', 'live'],
    { GITHUB_ACTIONS: 'true' },
  );
  t.match(
    annotated.stderr,
    /^::error title=oci-promote promote refused by freeze::.*\[ERR_FROZEN\]$/m,
  );

  // The way out of an incident is always open.
  const rb = await e.run(['rollback', `${prod}:live`, '--no-hold', '--json']);
  t.equal(rb.code, 0, rb.stderr);
  t.equal(rb.json().digest, one);

  const over = await promote('2.0.0', '--override-freeze', 'hotfix for INC-7');
  t.equal(over.code, 0, over.stderr);
  t.equal(await e.prodDigest('prod/api', 'live'), two);
  const hist = (await e.run(['history', `${prod}:live`, '--json'])).json();
  t.same(hist.entries[0].overrides, [{ gate: 'freeze', reason: 'hotfix for INC-7' }]);
  t.match((await e.run(['history', `${prod}:live`])).stdout, 'override freeze: hotfix for INC-7');
  const md = (await e.run(['status', `${prod}:live`, '--format', 'markdown'])).stdout;
  t.match(md, 'override freeze: hotfix for INC-7', 'status shows the override');
  t.match(md, '**Freeze:** 🧊 frozen since');

  const un = await e.run(['unfreeze', prod, '--reason', 'launch done']);
  t.equal(un.code, 0, un.stderr);
  t.match(un.stdout, `Unfroze ${prod}: launch done`);
  t.equal((await promote('1.0.0')).code, 0, 'promotions go through again');
  const st = (await e.run(['status', prod, '--json'])).json();
  t.equal(st.freeze, null);
});

t.test('freeze --until lifts by itself', async (t) => {
  await e.stage('staging/web', '1.0.0');
  const prod = e.prod('prod/web');
  const fr = await e.run(['freeze', prod, '--reason', 'short window', '--until', '5s', '--json']);
  t.equal(fr.code, 0, fr.stderr);
  const until = Date.parse(fr.json().until);
  t.ok(until > Date.now(), 'until is in the future');
  const promote = () => e.run(['promote', `${e.staging('staging/web')}:1.0.0`, '--to', prod]);
  const during = await promote();
  t.equal(during.code, 3, 'frozen');
  t.match(during.stderr, `until ${fr.json().until}`);
  // Poll (no fixed sleep) until the time has passed; then the freeze is gone by itself.
  while (Date.now() <= until) await new Promise((r) => setTimeout(r, 50));
  const after = await promote();
  t.equal(after.code, 0, after.stderr);
  t.equal((await e.run(['status', prod, '--json'])).json().freeze, null);
});

t.test('freeze --until an ISO time; --dry-run writes nothing; audit line', async (t) => {
  const prod = e.prod('prod/dry');
  const audit = join(e.work, 'freeze-audit.jsonl');
  const until = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const dry = await e.run([
    'freeze',
    prod,
    '--reason',
    'r',
    '--until',
    until,
    '--dry-run',
    '--json',
  ]);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.json(), {
    action: 'freeze',
    record: null,
    dryRun: true,
    until: until.replace('Z', '.000Z'),
  });
  t.equal((await e.run(['status', prod, '--json'])).json().freeze, null, 'not frozen');
  const fr = await e.run(['freeze', prod, '--reason', 'r', '--until', until, '--audit-log', audit]);
  t.equal(fr.code, 0, fr.stderr);
  const line = JSON.parse((await readFile(audit, 'utf8')).trim());
  t.match(line, { action: 'freeze', ok: true, repository: prod, reason: 'r', actor: ACTOR });
  t.equal(line.until, until.replace('Z', '.000Z'));
});

t.test('--notify-url: one message per action, the refusal names the gate', async (t) => {
  const { origin, received } = await startWebhookReceiver(t);
  const hook = `${origin}/hooks/s3cr3t-token`;
  await e.stage('staging/notify', '1.0.0');
  const prod = e.prod('prod/notify');

  const fr = await e.run(['freeze', prod, '--reason', 'audit', '--notify-url', hook]);
  t.equal(fr.code, 0, fr.stderr);
  const refused = await e.run([
    'promote',
    `${e.staging('staging/notify')}:1.0.0`,
    '--to',
    prod,
    '--notify-url',
    hook,
  ]);
  t.equal(refused.code, 3);
  const un = await e.run(['unfreeze', prod, '--reason', 'done', '--notify-url', hook]);
  t.equal(un.code, 0, un.stderr);
  t.equal(received.length, 3, 'one message per action');
  t.match(received[0], {
    text: new RegExp(`^🧊 froze ${prod}: audit by ${ACTOR} — <https://`),
    event: { action: 'freeze', ok: true, repository: prod, reason: 'audit', until: null },
  });
  t.match(received[1], {
    text: /^🚫 promotion of .* refused by freeze: /,
    event: { action: 'promote', ok: false, refused: 'freeze', error: { code: 'ERR_FROZEN' } },
  });
  t.match(received[2], { text: /^🌤️ unfroze /, event: { action: 'unfreeze', ok: true } });
  for (const r of [fr, refused, un]) {
    t.notMatch(r.stdout + r.stderr, /s3cr3t/, 'the hook URL is never printed');
  }
});
