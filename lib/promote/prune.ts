/**
 * prune: retention. Keep the newest `keep` ledger entries per tag, drop the records
 * beyond them, and delete the image manifests that neither a live tag nor a kept entry
 * references — where the registry allows deletion. A digest a live tag points to is
 * never deleted. Blobs are left to the registry's garbage collection.
 */
import type { Digest } from '../digest.js';
import { isOciPromoteError, RegistryError, UsageError } from '../errors.js';
import { formatReference, repositoryOf } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import type { Repository } from '../registry/repository.js';
import { entriesOf, LEDGER_TAG, readLedger, writeLedger } from './ledger.js';
import { ANNOTATION } from './record.js';
import type { PruneRequest, PruneResult } from './types.js';

/** Registries known to refuse deletion through the Distribution API. */
const NO_DELETE: Record<string, string> = {
  'ghcr.io':
    'ghcr.io does not delete through the registry API; delete package versions with the GitHub Packages API (`gh api -X DELETE /user/packages/container/<name>/versions/<id>`)',
};

/** Referrer attachment tags (`sha256-<hex>`, `.sig`/`.att`/`.sbom`) point at signatures, not releases. */
const ATTACHMENT_TAG = /^sha(256|512)-[0-9a-f]+(\.(sig|att|sbom))?$/;

/** prune applies retention to the repository `req.target`. */
export async function prune(client: RegistryClient, req: PruneRequest): Promise<PruneResult> {
  if (!Number.isInteger(req.keep) || req.keep < 1) {
    throw new UsageError(`--keep must be a whole number of at least 1, got ${req.keep}`);
  }
  const signal = req.signal;
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
  const removed = ledger.records.filter((r) => !keptRecords.has(r.digest));
  const result: PruneResult = {
    repository: formatReference(repositoryOf(req.target)),
    keep: req.keep,
    removedRecords: removed.map((r) => r.digest),
    deleted: [],
    deletionSkipped: null,
    dryRun: req.dryRun === true,
  };
  if (removed.length === 0) return result;

  // What must stay: everything a live release tag points to and everything a kept entry
  // names, with the children of indexes among them.
  const keep = new Set<Digest>();
  for (const tag of await repo.listTags(signal)) {
    if (tag === LEDGER_TAG || ATTACHMENT_TAG.test(tag)) continue;
    const d = await repo.manifests.head(tag, signal);
    if (d) keep.add(d.digest);
  }
  for (const e of entries) {
    if (!keptRecords.has(e.record)) continue;
    keep.add(e.digest);
    if (e.previousDigest) keep.add(e.previousDigest);
  }
  await addChildren(repo, keep, signal);

  const candidates = new Set<Digest>();
  for (const e of entries) {
    if (keptRecords.has(e.record)) continue;
    candidates.add(e.digest);
    if (e.previousDigest) candidates.add(e.previousDigest);
  }
  await addChildren(repo, candidates, signal);
  const images = [...candidates].filter((d) => !keep.has(d));

  if (req.dryRun) {
    result.deleted = images;
    return result;
  }
  // Trim the ledger first, re-reading it so a record appended meanwhile is kept.
  const now = await readLedger(repo, signal);
  const drop = new Set(result.removedRecords);
  await writeLedger(
    repo,
    now.records.filter((r) => !drop.has(r.digest)),
    signal,
  );

  const why = NO_DELETE[repo.registry];
  if (why) {
    result.deletionSkipped = why;
    return result;
  }
  for (const record of removed) {
    const subject = record.annotations?.[ANNOTATION.digest] as Digest | undefined;
    if (subject) await repo.referrers.removeFromTagIndex(subject, record.digest, signal);
  }
  for (const digest of [...images, ...result.removedRecords]) {
    try {
      await repo.manifests.delete(digest);
      if (images.includes(digest)) result.deleted.push(digest);
    } catch (e) {
      if (e instanceof RegistryError && (e.status === 404 || e.hasCode('MANIFEST_UNKNOWN')))
        continue;
      if (e instanceof RegistryError && (e.status === 405 || e.hasCode('UNSUPPORTED'))) {
        result.deletionSkipped = `${repo.registry} does not allow deleting manifests (${e.status}); the ledger was trimmed`;
        return result;
      }
      throw e;
    }
  }
  return result;
}

/** addChildren adds the child manifests of every index in `set` (one level is what indexes have). */
async function addChildren(
  repo: Repository,
  set: Set<Digest>,
  signal?: AbortSignal,
): Promise<void> {
  for (const digest of [...set]) {
    try {
      const { manifest } = await repo.manifests.get(digest, signal);
      if (manifest.kind === 'index') for (const c of manifest.manifests) set.add(c.digest);
    } catch (e) {
      // Already gone is fine for retention; anything else is a real failure.
      if (!(isOciPromoteError(e) && e.code === 'ERR_NOT_FOUND')) throw e;
    }
  }
}
