/**
 * Results and provenance the audit tests (lib/promote/audit/*.test.ts) build events from.
 */
import type { Digest } from '../../lib/digest.js';
import type { PromotionResult, PruneResult, RollbackResult } from '../../lib/promote/types.js';

export const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
export const now = new Date('2025-01-02T03:04:05.678Z');
export const prov = { actor: 'alice', runUrl: 'https://github.com/o/app/actions/runs/7' };

export const promotion: PromotionResult = {
  source: `ghcr.io/o/staging:1.2.3@${d('a')}`,
  digest: d('a'),
  repository: 'ghcr.io/o/app',
  tags: [
    { tag: '1.2.3', action: 'created', previousDigest: null },
    { tag: '1.2', action: 'moved', previousDigest: d('b') },
    { tag: '1', action: 'moved', previousDigest: d('b') },
    { tag: 'latest', action: 'unchanged', previousDigest: d('a') },
  ],
  copy: {
    manifests: { copied: 1, skipped: 0 },
    blobs: { copied: 2, mounted: 0, skipped: 1 },
    bytesCopied: 1234,
    referrers: [],
  },
  record: d('c'),
  conflicts: [],
  dryRun: false,
};

export const rollback: RollbackResult = {
  repository: 'ghcr.io/o/app',
  tag: 'prod',
  digest: d('b'),
  previousDigest: d('a'),
  record: d('e'),
  hold: null,
  conflicts: [],
  dryRun: false,
};

export const prune: PruneResult = {
  repository: 'registry.example/o/app',
  keep: 3,
  removedRecords: [d('1'), d('2')],
  deleted: [d('3')],
  deletedRecords: [d('4')],
  ignoredRecords: [d('5')],
  deletionSkipped: null,
  dryRun: true,
};
