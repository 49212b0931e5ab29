import t from 'tap';
import { d, now, promotion, prov, prune, rollback } from '../../../test/helpers/audit-results.js';
import { PolicyError } from '../../errors.js';
import {
  type AuditEvent,
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
