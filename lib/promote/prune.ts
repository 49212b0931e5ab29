/**
 * prune: retention. Keep the newest `keep` ledger entries per tag, drop the records
 * beyond them, and delete the images those dropped records were written for — where the
 * registry allows deletion — unless anything live still reaches them.
 *
 * The ledger is data anyone with push access can write, so it only ever proposes:
 * - a dropped entry counts only when its record is verifiably ours (checkRecord: fetched,
 *   hashed, a record artifact whose body, annotations and ledger entry agree); the image
 *   proposed is that record's `subject`, a validated digest in this repository;
 * - nothing a tag reaches is deleted: every tag but the ledger's is a root, walked through
 *   index children (nested too) and referrers, as are the digests kept entries name;
 * - only the images and records the registry confirmed deleting are reported.
 * Dropped records leave the ledger through a journalled drop list (record.ts
 * pushDropList), so their journal tags do not bring them back where they cannot be deleted.
 * Blobs are left to the registry's garbage collection.
 */
import type { Digest } from '../digest.js';
import { RegistryError, UsageError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Descriptor } from '../manifest.js';
import { formatReference, repositoryOf } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import { referrersTag } from '../registry/referrers.js';
import type { Repository } from '../registry/repository.js';
import { parseJournalTag } from './journal.js';
import { entriesOf, LEDGER_TAG, readLedger, writeLedger } from './ledger.js';
import { reachable } from './reach.js';
import { ANNOTATION, checkRecord, pushDropList, type VerifiedRecord } from './record.js';
import type { HistoryEntry, PruneRequest, PruneResult } from './types.js';

/** A verified record of an image (promotions and rollbacks always have one). */
type SubjectRecord = VerifiedRecord & { readonly subject: Descriptor };

const isEvidence = (action: string | undefined) =>
  action !== undefined && action !== 'promote' && action !== 'rollback';

/** Registries known to refuse deletion through the Distribution API. */
const NO_DELETE: Record<string, string> = {
  'ghcr.io':
    'ghcr.io does not delete through the registry API; delete package versions with the GitHub Packages API (`gh api -X DELETE /user/packages/container/<name>/versions/<id>`)',
};

/** prune applies retention to the repository `req.target`. */
export async function prune(client: RegistryClient, req: PruneRequest): Promise<PruneResult> {
  if (!Number.isInteger(req.keep) || req.keep < 1) {
    throw new UsageError(`--keep must be a whole number of at least 1, got ${req.keep}`);
  }
  const signal = req.signal;
  const logger = req.logger ?? silentLogger;
  const repo = client.repository(req.target);
  const ledger = await readLedger(repo, signal);
  const entries = entriesOf(ledger.records);

  // Newest first: a record stays while any of its tags still counts it among its newest N.
  const keptRecords = new Set<Digest>();
  const perTag = new Map<string, number>();
  for (const e of [...entries].reverse()) {
    const n = perTag.get(e.tag) ?? 0;
    if (n < req.keep) keptRecords.add(e.record);
    perTag.set(e.tag, n + 1);
  }
  // Evidence (verifications, holds, freezes) is never pruned: dropping a hold but not its
  // release, or the other way round, would change what is in force.
  const removed = ledger.records.filter(
    (r) => !keptRecords.has(r.digest) && !isEvidence(r.annotations?.[ANNOTATION.action]),
  );
  const result: PruneResult = {
    repository: formatReference(repositoryOf(req.target)),
    keep: req.keep,
    removedRecords: [...new Set(removed.map((r) => r.digest))],
    deleted: [],
    deletedRecords: [],
    ignoredRecords: [],
    deletionSkipped: null,
    dryRun: req.dryRun === true,
  };
  if (removed.length === 0) return result;
  const why = NO_DELETE[repo.registry];
  if (why && !req.dryRun) {
    await trimLedger(repo, result.removedRecords, signal);
    result.deletionSkipped = why;
    return result;
  }

  // Which dropped entries are ours; the rest are ignored, whatever they name.
  const ours: SubjectRecord[] = [];
  for (const r of uniqueByDigest(removed)) {
    const check = await checkRecord(repo, r, signal);
    if (check.ok && check.record.subject)
      ours.push({ ...check.record, subject: check.record.subject });
    else if (check.ok) result.ignoredRecords.push(r.digest);
    else {
      result.ignoredRecords.push(r.digest);
      logger.warn({ record: r.digest }, `prune ignores a ledger entry: ${check.reason}`);
    }
  }
  const subjects = new Set(ours.map((r) => r.subject.digest));

  // What must stay. A subject's referrers fallback tag is its referrer list, not a release:
  // it is walked only if the subject itself is kept.
  const notRoots = new Set([LEDGER_TAG, ...[...subjects].map(referrersTag)]);
  const walk = { referrers: true, ...(signal && { signal }) };
  const keep = await reachable(
    repo,
    [
      ...(await liveTags(repo, notRoots, signal)),
      ...namedBy(entries.filter((e) => keptRecords.has(e.record))),
    ],
    walk,
  );
  const plan = await planDeletion(repo, subjects, ours, keep, signal);
  if (req.dryRun) {
    result.deleted = plan.images;
    result.deletedRecords = plan.records.map((r) => r.descriptor.digest);
    return result;
  }

  const stays = await trimLedger(repo, result.removedRecords, signal);
  // A tag written or a promotion recorded since the walk keeps what it reaches.
  const fresh = [...(await liveTags(repo, notRoots, signal)), ...namedBy(entriesOf(stays))];
  await reachable(repo, fresh, walk, keep);
  const images = plan.images.filter((d) => !keep.has(d));
  const records = plan.records.filter(
    (r) => !keep.has(r.descriptor.digest) && !keep.has(r.subject.digest),
  );

  for (const digest of images) {
    const outcome = await remove(repo, digest);
    if (typeof outcome === 'number') {
      result.deletionSkipped = `${repo.registry} does not allow deleting manifests (${outcome}); the ledger was trimmed`;
      return result;
    }
    if (outcome === 'deleted') result.deleted.push(digest);
  }
  for (const r of records) {
    await repo.referrers.removeFromTagIndex(r.subject.digest, r.descriptor.digest, signal);
    if ((await remove(repo, r.descriptor.digest)) === 'deleted') {
      result.deletedRecords.push(r.descriptor.digest);
    }
  }
  return result;
}

/**
 * trimLedger drops records from the ledger: it journals the drop list first (that alone
 * keeps them out of every later read), then writes the cache without them, re-reading
 * it so a record appended meanwhile stays.
 */
async function trimLedger(
  repo: Repository,
  removed: readonly Digest[],
  signal?: AbortSignal,
): Promise<Descriptor[]> {
  const list = await pushDropList(repo, removed, new Date(), signal);
  const now = await readLedger(repo, signal);
  const drop = new Set(removed);
  const stays = now.records.filter((r) => !drop.has(r.digest));
  const lists = now.dropLists.some((d) => d.digest === list.digest)
    ? now.dropLists
    : [...now.dropLists, list];
  await writeLedger(repo, [...stays, ...lists], signal);
  return stays;
}

/**
 * liveTags resolves every tag except `skip` and the journal's (records and drop lists,
 * which the ledger accounts for) to the digest it points to.
 */
async function liveTags(
  repo: Repository,
  skip: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const tag of await repo.listTags(signal)) {
    if (skip.has(tag) || parseJournalTag(tag)) continue;
    const d = await repo.manifests.head(tag, signal);
    if (d) out.push(d.digest);
  }
  return out;
}

/**
 * planDeletion: the subjects of our dropped records that nothing keeps, with the manifests
 * under them (an index's platforms) that nothing keeps either; and the records of those
 * subjects, which go with them.
 */
async function planDeletion(
  repo: Repository,
  subjects: ReadonlySet<Digest>,
  ours: readonly SubjectRecord[],
  keep: ReadonlySet<Digest>,
  signal?: AbortSignal,
): Promise<{ images: Digest[]; records: SubjectRecord[] }> {
  const gone = [...subjects].filter((d) => !keep.has(d));
  const under = await reachable(repo, gone, { referrers: false, ...(signal && { signal }) });
  const images = [...under].filter((d) => !keep.has(d));
  const going = new Set(gone);
  const records = ours.filter((r) => going.has(r.subject.digest) && !keep.has(r.descriptor.digest));
  return { images, records };
}

/** remove deletes one manifest: deleted (202), already gone (404), or refused (the status). */
async function remove(repo: Repository, digest: Digest): Promise<'deleted' | 'gone' | number> {
  try {
    await repo.manifests.delete(digest);
    return 'deleted';
  } catch (e) {
    if (e instanceof RegistryError && (e.status === 404 || e.hasCode('MANIFEST_UNKNOWN'))) {
      return 'gone';
    }
    if (e instanceof RegistryError && (e.status === 405 || e.hasCode('UNSUPPORTED'))) {
      return e.status;
    }
    throw e;
  }
}

/** namedBy lists the digests history entries name: where each tag went, and where it was. */
function namedBy(entries: readonly HistoryEntry[]): Digest[] {
  return entries.flatMap((e) => (e.previousDigest ? [e.digest, e.previousDigest] : [e.digest]));
}

function uniqueByDigest<T extends { digest: Digest }>(items: readonly T[]): T[] {
  const seen = new Map<Digest, T>();
  for (const i of items) if (!seen.has(i.digest)) seen.set(i.digest, i);
  return [...seen.values()];
}
