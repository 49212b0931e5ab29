import t from 'tap';
import { d, now, promotion, prov, prune, rollback } from '../../../test/helpers/audit-results.js';
import { PolicyError } from '../../errors.js';
import {
  type AuditEvent,
  auditEventFromEvidence,
  auditEventFromFailure,
  auditEventFromPromotion,
  auditEventFromPrune,
  auditEventFromRollback,
} from './event.js';
import { notificationText } from './text.js';

t.test('notificationText', async (t) => {
  const cases: [string, AuditEvent, string][] = [
    [
      'promotion',
      auditEventFromPromotion(promotion, prov, now),
      `✅ promoted ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) to ghcr.io/o/app → 1.2.3, 1.2, 1 by alice — <${prov.runUrl}>`,
    ],
    [
      'dry-run promotion, no provenance',
      auditEventFromPromotion({ ...promotion, dryRun: true }, undefined, now),
      '✅ dry run: would promote ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) to ghcr.io/o/app → 1.2.3, 1.2, 1',
    ],
    [
      're-promotion changing nothing',
      auditEventFromPromotion(
        {
          ...promotion,
          tags: [{ tag: '1.2.3', action: 'unchanged', previousDigest: d('a') }],
          record: null,
        },
        { actor: 'alice' },
        now,
      ),
      '✅ ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) already promoted to ghcr.io/o/app → 1.2.3 (no tag changed) by alice',
    ],
    [
      'a hotfix: only the tags already on the digest count as promoted',
      auditEventFromPromotion(
        {
          ...promotion,
          tags: [
            { tag: '1.4.9', action: 'unchanged', previousDigest: d('a') },
            { tag: 'latest', action: 'unchanged', previousDigest: d('f'), reason: 'higher' },
          ],
          record: null,
        },
        undefined,
        now,
      ),
      '✅ ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) already promoted to ghcr.io/o/app → 1.4.9 (no tag changed)',
    ],
    [
      'promotion with a conflict',
      auditEventFromPromotion(
        {
          ...promotion,
          tags: [{ tag: 'latest', action: 'moved', previousDigest: d('b') }],
          conflicts: [{ tag: 'latest', expected: d('a'), found: d('f') }],
        },
        undefined,
        now,
      ),
      '✅ promoted ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) to ghcr.io/o/app → latest ⚠️ moved by another writer since: latest',
    ],
    [
      'rollback',
      auditEventFromRollback(rollback, prov, now),
      `↩️ rolled back ghcr.io/o/app:prod to sha256:bbbbbbbbbbbb (was sha256:aaaaaaaaaaaa) by alice — <${prov.runUrl}>`,
    ],
    [
      'prune (dry run)',
      auditEventFromPrune(prune, undefined, now),
      '🧹 dry run: would prune registry.example/o/app: 2 history records, 1 image deleted',
    ],
    [
      'prune where deletion is not possible',
      auditEventFromPrune(
        { ...prune, dryRun: false, deleted: [], deletionSkipped: 'ghcr.io needs the Packages API' },
        undefined,
        now,
      ),
      '🧹 pruned registry.example/o/app: 2 history records, 0 images deleted (deletion skipped: ghcr.io needs the Packages API)',
    ],
    [
      'failed promotion; markup in the message is escaped',
      auditEventFromFailure(
        { action: 'promote', repository: 'ghcr.io/o/app', source: `ghcr.io/o/staging@${d('a')}` },
        new PolicyError('no referrer <application/vnd.dev.cosign> & no luck'),
        prov,
        now,
      ),
      `❌ promotion of ghcr.io/o/staging to ghcr.io/o/app failed: no referrer &lt;application/vnd.dev.cosign&gt; &amp; no luck by alice — <${prov.runUrl}>`,
    ],
    [
      'failed rollback',
      auditEventFromFailure(
        { action: 'rollback', repository: 'ghcr.io/o/app', tag: 'prod' },
        new Error('nothing to roll back to'),
        undefined,
        now,
      ),
      '❌ rollback of ghcr.io/o/app:prod failed: nothing to roll back to',
    ],
    [
      'failed dry-run prune',
      auditEventFromFailure(
        { action: 'prune', repository: 'r/o/app', dryRun: true },
        new Error('x'),
        undefined,
        now,
      ),
      '❌ dry run: prune of r/o/app failed: x',
    ],
  ];
  for (const [name, event, want] of cases) t.equal(notificationText(event), want, name);
});

t.test('notificationText: evidence actions and refusals', async (t) => {
  const base = { repository: 'ghcr.io/o/app', time: now.toISOString(), dryRun: false };
  const cases: [string, AuditEvent, string][] = [
    [
      'attest',
      auditEventFromEvidence(
        {
          ...base,
          action: 'attest',
          digest: d('a'),
          record: d('c'),
          reason: null,
          stage: 'staging',
          result: 'passed',
        },
        prov,
        now,
      ),
      `📝 attested ghcr.io/o/app@sha256:aaaaaaaaaaaa: staging passed by alice — <${prov.runUrl}>`,
    ],
    [
      'hold; markup in the reason is escaped',
      auditEventFromEvidence(
        { ...base, action: 'hold', digest: d('a'), record: d('c'), reason: 'crash <loop> & co' },
        undefined,
        now,
      ),
      '⛔ held ghcr.io/o/app@sha256:aaaaaaaaaaaa: crash &lt;loop&gt; &amp; co',
    ],
    [
      'dry-run release',
      auditEventFromEvidence(
        { ...base, action: 'release', digest: d('a'), record: null, reason: 'fixed', dryRun: true },
        undefined,
        now,
      ),
      '🔓 dry run: would release ghcr.io/o/app@sha256:aaaaaaaaaaaa: fixed',
    ],
    [
      'freeze until',
      auditEventFromEvidence(
        {
          ...base,
          action: 'freeze',
          digest: null,
          record: d('c'),
          reason: 'release week',
          until: '2025-01-03T00:00:00.000Z',
        },
        { actor: 'bob' },
        now,
      ),
      '🧊 froze ghcr.io/o/app until 2025-01-03T00:00:00.000Z: release week by bob',
    ],
    [
      'unfreeze',
      auditEventFromEvidence(
        { ...base, action: 'unfreeze', digest: null, record: d('c'), reason: 'over' },
        undefined,
        now,
      ),
      '🌤️ unfroze ghcr.io/o/app: over',
    ],
    [
      'a promotion refused by a hold',
      auditEventFromFailure(
        { action: 'promote', repository: 'ghcr.io/o/app', source: `ghcr.io/o/stg@${d('a')}` },
        Object.assign(new PolicyError('sha256:aaaa is held by bob'), { code: 'ERR_HELD' }),
        undefined,
        now,
      ),
      '🚫 promotion of ghcr.io/o/stg to ghcr.io/o/app refused by hold: sha256:aaaa is held by bob',
    ],
    [
      'a failed hold names the image',
      auditEventFromFailure(
        { action: 'hold', repository: 'ghcr.io/o/app', digest: d('a') },
        new Error('denied'),
        undefined,
        now,
      ),
      '❌ hold of ghcr.io/o/app@sha256:aaaaaaaaaaaa failed: denied',
    ],
    [
      'a failed attest by tag',
      auditEventFromFailure(
        { action: 'attest', repository: 'ghcr.io/o/app', tag: '1.2.3' },
        new Error('not found'),
        undefined,
        now,
      ),
      '❌ attest of ghcr.io/o/app:1.2.3 failed: not found',
    ],
  ];
  for (const [name, event, want] of cases) t.equal(notificationText(event), want, name);
});
