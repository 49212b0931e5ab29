import t from 'tap';
import { d, now, promotion, prov, prune, rollback } from '../../../test/helpers/audit-results.js';
import { NotFoundError, PolicyError } from '../../errors.js';
import {
  auditError,
  auditEventFromEvidence,
  auditEventFromFailure,
  auditEventFromPromotion,
  auditEventFromPrune,
  auditEventFromRollback,
  refusalGate,
} from './event.js';

t.test('a promotion event has the contract fields and provenance', async (t) => {
  const e = auditEventFromPromotion(promotion, prov, now);
  t.strictSame(e, {
    time: '2025-01-02T03:04:05.678Z',
    action: 'promote',
    ok: true,
    dryRun: false,
    repository: 'ghcr.io/o/app',
    source: promotion.source,
    digest: d('a'),
    tags: promotion.tags,
    record: d('c'),
    actor: 'alice',
    runUrl: prov.runUrl,
  });
  t.not(e.tags, promotion.tags, 'tags are copied, not shared');
  t.notOk('copy' in e, 'copy statistics stay out of the audit line');
});

t.test(
  'without provenance, actor and runUrl are absent; conflicts appear when there are some',
  async (t) => {
    const conflicts = [{ tag: 'latest', expected: d('a'), found: d('f') }];
    const e = auditEventFromPromotion({ ...promotion, conflicts, dryRun: true }, undefined, now);
    t.notOk('actor' in e);
    t.notOk('runUrl' in e);
    t.equal(e.dryRun, true);
    t.strictSame(e.conflicts, conflicts);
  },
);

t.test('a promotion that passed a gate by hand carries the overrides; others do not', async (t) => {
  const overrides = [{ gate: 'hold' as const, reason: 'reproducing the incident' }];
  t.strictSame(
    auditEventFromPromotion({ ...promotion, overrides }, undefined, now).overrides,
    overrides,
  );
  t.notOk('overrides' in auditEventFromPromotion(promotion, undefined, now));
});

t.test('a rollback event', async (t) => {
  t.strictSame(auditEventFromRollback(rollback, { actor: 'bob' }, now), {
    time: '2025-01-02T03:04:05.678Z',
    action: 'rollback',
    ok: true,
    dryRun: false,
    repository: 'ghcr.io/o/app',
    tag: 'prod',
    digest: d('b'),
    previousDigest: d('a'),
    record: d('e'),
    actor: 'bob',
  });
});

t.test('a prune event', async (t) => {
  t.strictSame(auditEventFromPrune(prune, {}, now), {
    time: '2025-01-02T03:04:05.678Z',
    action: 'prune',
    ok: true,
    dryRun: true,
    repository: 'registry.example/o/app',
    removedRecords: [d('1'), d('2')],
    deleted: [d('3')],
    deletedRecords: [d('4')],
    ignoredRecords: [d('5')],
    deletionSkipped: null,
  });
});

t.test('a failure event carries the error code and a one-line message', async (t) => {
  const e = auditEventFromFailure(
    { action: 'promote', repository: 'ghcr.io/o/app', source: 'ghcr.io/o/staging:1.2.3' },
    new PolicyError('tag 1.2.3 exists with another digest\nuse --allow-overwrite'),
    prov,
    now,
  );
  t.strictSame(e, {
    time: '2025-01-02T03:04:05.678Z',
    action: 'promote',
    ok: false,
    dryRun: false,
    repository: 'ghcr.io/o/app',
    source: 'ghcr.io/o/staging:1.2.3',
    actor: 'alice',
    runUrl: prov.runUrl,
    error: {
      code: 'ERR_POLICY',
      message: 'tag 1.2.3 exists with another digest use --allow-overwrite',
    },
  });
  const r = auditEventFromFailure(
    { action: 'rollback', repository: 'ghcr.io/o/app', tag: 'prod', dryRun: true },
    new NotFoundError({
      status: 404,
      method: 'GET',
      url: 'https://ghcr.io/v2/o/app/manifests/prod',
    }),
    undefined,
    now,
  );
  t.equal(r.tag, 'prod');
  t.equal(r.dryRun, true);
  t.equal(r.error?.code, 'ERR_NOT_FOUND');
});

t.test('auditError: unknown errors, non-errors, long messages', async (t) => {
  t.strictSame(auditError(new Error('boom')), { code: 'ERR_UNEXPECTED', message: 'boom' });
  t.strictSame(auditError('just a string'), { code: 'ERR_UNEXPECTED', message: 'just a string' });
  const long = auditError(new Error('x'.repeat(5000)));
  t.equal(long.message.length, 2000);
  t.ok(long.message.endsWith('…'));
});

t.test('evidence events: attest, hold, freeze (with until), dry-run unfreeze', async (t) => {
  const base = { repository: 'ghcr.io/o/app', time: now.toISOString(), dryRun: false };
  t.strictSame(
    auditEventFromEvidence(
      {
        ...base,
        action: 'attest',
        digest: d('a'),
        record: d('c'),
        reason: null,
        stage: 'staging',
        result: 'failed',
      },
      prov,
      now,
    ),
    {
      time: '2025-01-02T03:04:05.678Z',
      action: 'attest',
      ok: true,
      dryRun: false,
      repository: 'ghcr.io/o/app',
      digest: d('a'),
      record: d('c'),
      reason: null,
      stage: 'staging',
      result: 'failed',
      actor: 'alice',
      runUrl: prov.runUrl,
    },
  );
  t.strictSame(
    auditEventFromEvidence(
      { ...base, action: 'hold', digest: d('a'), record: d('c'), reason: 'bad build' },
      undefined,
      now,
    ),
    {
      time: '2025-01-02T03:04:05.678Z',
      action: 'hold',
      ok: true,
      dryRun: false,
      repository: 'ghcr.io/o/app',
      digest: d('a'),
      record: d('c'),
      reason: 'bad build',
    },
  );
  const freeze = auditEventFromEvidence(
    {
      ...base,
      action: 'freeze',
      digest: null,
      record: d('c'),
      reason: 'release week',
      until: '2025-01-03T00:00:00.000Z',
    },
    undefined,
    now,
  );
  t.notOk('digest' in freeze, 'a freeze speaks of no image');
  t.equal(freeze.until, '2025-01-03T00:00:00.000Z');
  const unfreeze = auditEventFromEvidence(
    { ...base, action: 'unfreeze', digest: null, record: null, reason: 'done', dryRun: true },
    undefined,
    now,
  );
  t.equal(unfreeze.dryRun, true);
  t.equal(unfreeze.record, null);
  t.notOk('until' in unfreeze, 'only a freeze has until');
});

t.test('a rollback that held the digest it left names the hold record', async (t) => {
  t.equal(auditEventFromRollback({ ...rollback, hold: d('9') }, undefined, now).hold, d('9'));
  t.notOk('hold' in auditEventFromRollback(rollback, undefined, now), 'no hold: no field');
});

t.test('a refusal by a gate names it; other failures do not', async (t) => {
  const refused = (code: string) =>
    Object.assign(new PolicyError(`refused (${code})`), { code }) as PolicyError;
  const ctx = { action: 'promote' as const, repository: 'r/o/app', source: 'r/o/stg:1' };
  t.equal(auditEventFromFailure(ctx, refused('ERR_HELD'), undefined, now).refused, 'hold');
  t.equal(auditEventFromFailure(ctx, refused('ERR_FROZEN'), undefined, now).refused, 'freeze');
  t.equal(
    auditEventFromFailure(ctx, refused('ERR_NOT_VERIFIED'), undefined, now).refused,
    'require-verified',
  );
  t.notOk('refused' in auditEventFromFailure(ctx, new PolicyError('x'), undefined, now));
  t.equal(refusalGate('ERR_HELD'), undefined, 'only errors carry a code');
  const held = auditEventFromFailure(
    { action: 'hold', repository: 'r/o/app', digest: d('a') },
    new Error('x'),
    undefined,
    now,
  );
  t.equal(held.digest, d('a'));
});
