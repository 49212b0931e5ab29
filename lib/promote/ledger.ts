/**
 * The ledger: the history records of one production repository. The records are the
 * truth: each is stored under a journal tag of its own (journal.ts), so concurrent
 * writers never overwrite one another and nothing is lost, with no lock and no pause.
 * The index under the reserved tag `oci-promote-history` is a cache of the journal: its
 * entries repeat each record's facts as annotations, so reading history costs the cache,
 * the tag list, and one GET per record the cache does not list yet. Any reader rebuilds
 * what the cache lacks; every append writes the cache back whole, so a lost cache write
 * costs a few GETs until the next append, never an entry.
 *
 * A prune's drop list (record.ts pushDropList) is journalled the same way: the records it
 * names stay out of the ledger even where their tags cannot be deleted.
 */
import { limiter } from '../copy/limit.js';
import { type Digest, isDigest } from '../digest.js';
import {
  isOciPromoteError,
  ManifestInvalidError,
  NotFoundError,
  ProtocolError,
} from '../errors.js';
import type { Logger } from '../log.js';
import type { Descriptor } from '../manifest.js';
import { OCI_INDEX } from '../media-types.js';
import { referrerDescriptor } from '../registry/referrers.js';
import type { Repository } from '../registry/repository.js';
import { checksOf, isStage } from './evidence-fields.js';
import { type JournalTag, parseJournalTag, prefixOf } from './journal.js';
import {
  ANNOTATION,
  DROPPED_ARTIFACT_TYPE,
  droppedBy,
  overridesOf,
  RECORD_ARTIFACT_TYPE,
} from './record.js';
import { PREDICATE_TYPES } from './statement.js';
import { tagChangesOf } from './tag-changes.js';
import type { EvidenceAction, EvidenceEntry, HistoryEntry, LedgerEntry } from './types.js';

/** LEDGER_TAG is the reserved tag of the ledger index (the cache). */
export const LEDGER_TAG = 'oci-promote-history';
/** LEDGER_ARTIFACT_TYPE marks the ledger index. */
export const LEDGER_ARTIFACT_TYPE = 'application/vnd.oci-promote.ledger.v1+json';

/** Journal entries a read fetches beyond the cache before it gives up (a lost cache). */
const MAX_UNCACHED = 10_000;

/** Ledger is the ledger as read. */
export interface Ledger {
  /** The records, ordered by their time annotation, then digest; dropped ones left out. */
  records: Descriptor[];
  /** The drop lists prunes wrote (kept in the cache with the records). */
  dropLists: Descriptor[];
  /** The digests the drop lists name. */
  dropped: ReadonlySet<Digest>;
  /** Whether the cache misses something the journal holds, or lists something dropped. */
  stale: boolean;
  /** The cache's digest, null when there is none. */
  digest: Digest | null;
}

/** LedgerOptions: the ledger already read (to append without reading again). */
export interface LedgerOptions {
  read?: Ledger;
  signal?: AbortSignal;
}

/** ReadOptions: the repository's tags when the caller has just listed them. */
export interface ReadOptions {
  tags?: readonly string[];
  signal?: AbortSignal;
}

/**
 * readLedger reads the cache and the journal's tags, fetches the journal entries the
 * cache does not list (by tag: the bytes are hashed, and must hash to the digest prefix
 * the tag names), and leaves out the records a drop list names. A repository without a
 * ledger has an empty one.
 */
export async function readLedger(
  repo: Repository,
  options: AbortSignal | ReadOptions = {},
): Promise<Ledger> {
  const { tags: listed, signal } = options instanceof AbortSignal ? { signal: options } : options;
  // A tag list just taken that lacks the cache's tag spares its GET (a new repository).
  const [cache, tags] = await Promise.all([
    listed && !listed.includes(LEDGER_TAG)
      ? { entries: [], digest: null }
      : readCache(repo, signal),
    listed ?? repo.listTags(signal),
  ]);
  const known = new Set(cache.entries.map((d) => prefixOf(d.digest)));
  for (const d of droppedIn(cache.entries)) known.add(prefixOf(d));
  const uncached = tags.flatMap((tag) => {
    const j = parseJournalTag(tag);
    return j && !known.has(j.prefix) ? [j] : [];
  });
  if (uncached.length > MAX_UNCACHED) {
    throw new ProtocolError(
      `${repo} has ${uncached.length} history records its ledger does not list (at most ${MAX_UNCACHED} are read)`,
    );
  }
  const limit = limiter(4);
  const fetched = await Promise.all(uncached.map((j) => limit(() => fetchEntry(repo, j, signal))));

  const all = [...cache.entries, ...fetched.filter((d) => d !== undefined)];
  const dropLists = uniqueByDigest(all.filter((d) => d.artifactType === DROPPED_ARTIFACT_TYPE));
  const dropped = new Set(droppedIn(dropLists));
  const records = uniqueByDigest(
    all.filter((d) => d.artifactType === RECORD_ARTIFACT_TYPE && !dropped.has(d.digest)),
  ).sort(byTime);
  const stale =
    fetched.some((d) => d !== undefined) ||
    cache.entries.some((d) => d.artifactType === RECORD_ARTIFACT_TYPE && dropped.has(d.digest));
  return { records, dropLists, dropped, stale, digest: cache.digest };
}

/** readCache reads the ledger index; entries of other types are left out. */
async function readCache(
  repo: Repository,
  signal?: AbortSignal,
): Promise<{ entries: Descriptor[]; digest: Digest | null }> {
  try {
    const { manifest, descriptor } = await repo.manifests.get(LEDGER_TAG, signal);
    if (manifest.kind !== 'index') {
      throw new ManifestInvalidError(
        `${repo}:${LEDGER_TAG} is not an index; it is reserved for the ledger`,
      );
    }
    const entries = manifest.manifests.filter(
      (d) => d.artifactType === RECORD_ARTIFACT_TYPE || d.artifactType === DROPPED_ARTIFACT_TYPE,
    );
    return { entries, digest: descriptor.digest };
  } catch (e) {
    if (e instanceof NotFoundError) return { entries: [], digest: null };
    throw e;
  }
}

/**
 * fetchEntry reads one journal entry by its tag and describes it as the cache would.
 * A tag gone meanwhile (pruned), content that does not hash to the prefix the tag names,
 * or a manifest that is neither a record nor a drop list is no entry.
 */
async function fetchEntry(
  repo: Repository,
  j: JournalTag,
  signal?: AbortSignal,
): Promise<Descriptor | undefined> {
  try {
    const { manifest, descriptor } = await repo.manifests.get(j.tag, signal);
    if (!descriptor.digest.startsWith(j.prefix) || manifest.kind !== 'image') return undefined;
    const listed = referrerDescriptor(descriptor, manifest);
    const type = listed.artifactType;
    return type === RECORD_ARTIFACT_TYPE || type === DROPPED_ARTIFACT_TYPE ? listed : undefined;
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

/** writeLedger replaces the cache with exactly these entries (records and drop lists). */
export async function writeLedger(
  repo: Repository,
  entries: readonly Descriptor[],
  signal?: AbortSignal,
): Promise<Digest> {
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    artifactType: LEDGER_ARTIFACT_TYPE,
    manifests: entries,
  };
  return (
    await repo.manifests.put(LEDGER_TAG, Buffer.from(JSON.stringify(index)), OCI_INDEX, signal)
  ).digest;
}

/**
 * appendToLedger lists a record, already in the journal (pushRecord), in the cache: one
 * PUT of the cache as read (`options.read`, else read now) with the record and every
 * journal entry the cache lacked folded in. No pause and no re-read: a concurrent writer
 * may replace this write, and loses nothing by it, as every record has its own tag.
 */
export async function appendToLedger(
  repo: Repository,
  added: Descriptor | readonly Descriptor[],
  options: LedgerOptions = {},
): Promise<void> {
  const fresh = Array.isArray(added) ? added : [added as Descriptor];
  const ledger = options.read ?? (await readLedger(repo, options.signal));
  // A repository's first record is its own ledger: a reader finds it by its journal tag
  // and fetches it with one GET, as it would the cache. The next append writes the cache.
  if (ledger.digest === null && ledger.records.length === 0 && ledger.dropLists.length === 0) {
    return;
  }
  const listed = new Set(ledger.records.map((r) => r.digest));
  if (fresh.every((r) => listed.has(r.digest)) && !ledger.stale) return;
  const records = uniqueByDigest([...ledger.records, ...fresh]).sort(byTime);
  await writeLedger(repo, [...records, ...ledger.dropLists], options.signal);
}

/**
 * cacheRecords lists records already in the journal in the cache (appendToLedger), and
 * does not fail the action when that write fails: the records are safe under their
 * journal tags and every reader finds them there, so a registry error is a warning (the
 * next append writes the cache back whole). An abort still stops it.
 */
export async function cacheRecords(
  repo: Repository,
  added: readonly Descriptor[],
  options: LedgerOptions & { logger?: Logger } = {},
): Promise<void> {
  try {
    await appendToLedger(repo, added, options);
  } catch (e) {
    const operational = isOciPromoteError(e) && e.category === 'operational';
    if (!operational || options.signal?.aborted) throw e;
    options.logger?.warn(
      { repository: `${repo}` },
      `the ledger index (a cache) was not updated: ${(e as Error).message}; the records are in the journal, and the next write updates it`,
    );
  }
}

/**
 * entriesOf turns ledger records into history entries, one per tag changed, oldest first
 * (promotions and rollbacks; see ledgerEntriesOf for every kind).
 */
export function entriesOf(records: readonly Descriptor[]): HistoryEntry[] {
  return ledgerEntriesOf(records).filter((e): e is HistoryEntry => e.tag !== null);
}

/**
 * ledgerEntriesOf turns ledger records into entries, oldest first: one per tag a
 * promotion or rollback changed, one per evidence record. The ledger is what a registry
 * served: a record whose action, digests, tags or fields do not parse is left out whole,
 * so a forged entry can at worst be ignored, never put a path where a digest belongs.
 */
export function ledgerEntriesOf(records: readonly Descriptor[]): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const r of records) {
    const a = r.annotations ?? {};
    const action = a[ANNOTATION.action] ?? 'promote';
    if (!Object.hasOwn(PREDICATE_TYPES, action)) continue;
    const digest = a[ANNOTATION.digest];
    const common = {
      time: a[ANNOTATION.created] ?? '',
      actor: a[ANNOTATION.actor] ?? null,
      runUrl: a[ANNOTATION.runUrl] ?? null,
      record: r.digest,
    };
    if (action === 'promote' || action === 'rollback') {
      const tags = tagChangesOf(a[ANNOTATION.tags]);
      const overrides = overridesOf(a[ANNOTATION.overrides]);
      if (digest === undefined || !isDigest(digest) || !tags || !overrides) continue;
      for (const t of tags) {
        out.push({
          ...common,
          action,
          tag: t.tag,
          digest,
          previousDigest: t.previousDigest,
          source: a[ANNOTATION.source] ?? null,
          ...(a[ANNOTATION.reason] !== undefined && { reason: a[ANNOTATION.reason] }),
          ...(overrides.length > 0 && { overrides }),
        });
      }
      continue;
    }
    const evidence = evidenceEntryOf(action as EvidenceAction, digest, a, common);
    if (evidence) out.push(evidence);
  }
  return out;
}

/** evidenceEntryOf reads an evidence record's annotations; undefined when any is malformed. */
function evidenceEntryOf(
  action: EvidenceAction,
  digest: string | undefined,
  a: Readonly<Record<string, string>>,
  common: Pick<EvidenceEntry, 'time' | 'actor' | 'runUrl' | 'record'>,
): EvidenceEntry | undefined {
  const repositoryWide = action === 'freeze' || action === 'unfreeze';
  if (repositoryWide ? digest !== undefined : digest === undefined || !isDigest(digest)) {
    return undefined;
  }
  const entry: EvidenceEntry = {
    ...common,
    action,
    tag: null,
    digest: (digest as Digest | undefined) ?? null,
    previousDigest: null,
    source: null,
    reason: a[ANNOTATION.reason] ?? null,
  };
  if (action === 'attest') {
    const stage = a[ANNOTATION.stage];
    const result = a[ANNOTATION.result];
    const checks = checksOf(a[ANNOTATION.checks]);
    if (stage === undefined || !isStage(stage) || !checks) return undefined;
    if (result !== 'passed' && result !== 'failed') return undefined;
    Object.assign(entry, { stage, result, checks, summary: a[ANNOTATION.summary] ?? null });
  }
  if (action === 'freeze') {
    const until = a[ANNOTATION.until] ?? null;
    if (until !== null && Number.isNaN(Date.parse(until))) return undefined;
    entry.until = until;
  }
  return entry;
}

/** The order of the ledger: the time a record says it was written, then its digest. */
function byTime(a: Descriptor, b: Descriptor): number {
  const ta = a.annotations?.[ANNOTATION.created] ?? '';
  const tb = b.annotations?.[ANNOTATION.created] ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

function droppedIn(entries: readonly Descriptor[]): Digest[] {
  return entries.filter((d) => d.artifactType === DROPPED_ARTIFACT_TYPE).flatMap(droppedBy);
}

function uniqueByDigest(items: readonly Descriptor[]): Descriptor[] {
  const seen = new Map<Digest, Descriptor>();
  for (const i of items) if (!seen.has(i.digest)) seen.set(i.digest, i);
  return [...seen.values()];
}
