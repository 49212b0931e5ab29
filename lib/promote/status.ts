/**
 * status: one view of the facts the registry holds about a repository, a tag in it, or a
 * digest in it — tags and their digests, the freeze, the holds, recent history, and for a
 * digest its verification records per stage. Read only; everything comes from the
 * repository's tags and ledger (and the evidence repository's ledger, for verifications).
 */
import { limiter } from '../copy/limit.js';
import type { Digest } from '../digest.js';
import { formatReference, repositoryOf } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import type { Repository } from '../registry/repository.js';
import { freezeIn, holdsIn, latestPerStage, verificationsOf } from './evidence.js';
import { concerningTag } from './history.js';
import { parseJournalTag } from './journal.js';
import { LEDGER_TAG, ledgerEntriesOf, readLedger } from './ledger.js';
import type { LedgerEntry, StatusRequest, StatusResult } from './types.js';

/** A whole repository's status reads at most this many tags (one HEAD each). */
export const MAX_STATUS_TAGS = 100;
/** Referrer fallback and cosign tags (`sha256-<hex>[.sig]`) are bookkeeping, not releases. */
const BOOKKEEPING_TAG = /^sha(256|512)-[0-9a-f]+(\.[a-z]+)?$/;

/** status gathers the facts about `req.target`. */
export async function status(client: RegistryClient, req: StatusRequest): Promise<StatusResult> {
  const signal = req.signal;
  const repo = client.repository(req.target);
  const present = await repo.listTags(signal);
  const ledger = await readLedger(repo, { tags: present, ...(signal && { signal }) });
  const entries = ledgerEntriesOf(ledger.records);
  const tag = req.target.tag ?? null;

  let digest: Digest | null = req.target.digest ?? null;
  let tags: { tag: string; digest: Digest }[];
  let truncated = false;
  if (tag !== null) {
    const found = await repo.manifests.resolve(tag, signal);
    digest ??= found.digest;
    tags = [{ tag, digest: found.digest }];
  } else {
    const releases = present.filter(isReleaseTag);
    truncated = releases.length > MAX_STATUS_TAGS;
    tags = await headTags(repo, releases.slice(0, MAX_STATUS_TAGS), signal);
    if (digest !== null) tags = tags.filter((t) => t.digest === digest);
  }

  const holds = holdsIn(entries);
  const evidence = req.evidenceRepository
    ? ledgerEntriesOf((await readLedger(client.repository(req.evidenceRepository), signal)).records)
    : entries;
  const verifications = digest === null ? [] : verificationsOf(evidence, digest);
  return {
    repository: formatReference(repositoryOf(req.target)),
    tag,
    digest,
    tags,
    tagsTruncated: truncated,
    freeze: freezeIn(entries),
    holds,
    held: digest !== null && holds.some((h) => h.digest === digest),
    history: recent(entries, tag, digest, req.historyLimit ?? 10),
    verifications,
    stages: latestPerStage(verifications),
  };
}

/**
 * isReleaseTag: a tag a user wrote, not the ledger's, a journal entry's or a referrer
 * list's (`sha256-<hex>`, cosign's `.sig`/`.att`/`.sbom`).
 */
export function isReleaseTag(tag: string): boolean {
  return tag !== LEDGER_TAG && !parseJournalTag(tag) && !BOOKKEEPING_TAG.test(tag);
}

async function headTags(
  repo: Repository,
  tags: readonly string[],
  signal?: AbortSignal,
): Promise<{ tag: string; digest: Digest }[]> {
  const limit = limiter(8);
  const found = await Promise.all(
    tags.map((tag) => limit(async () => ({ tag, d: await repo.manifests.head(tag, signal) }))),
  );
  return found.flatMap(({ tag, d }) => (d ? [{ tag, digest: d.digest }] : []));
}

/**
 * recent picks the ledger entries that concern the target, newest first: for a tag, its
 * changes and the evidence on the digests it held; for a digest, what names it; for a
 * repository, everything. Freezes concern every target.
 */
function recent(
  entries: readonly LedgerEntry[],
  tag: string | null,
  digest: Digest | null,
  limit: number,
): LedgerEntry[] {
  let picked: readonly LedgerEntry[] = entries;
  if (tag !== null) {
    picked = concerningTag(entries, tag);
  } else if (digest !== null) {
    picked = entries.filter(
      (e) => e.digest === null || e.digest === digest || e.previousDigest === digest,
    );
  }
  return picked.slice(-Math.max(0, limit)).reverse();
}
