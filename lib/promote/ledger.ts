/**
 * The ledger: one OCI index per production repository, under the reserved tag
 * `oci-promote-history`, listing its history records in the order they were written.
 * Each entry's annotations repeat the record's facts, so reading history costs one GET.
 *
 * Registries have no compare-and-swap on tags, so appending is read, append, write,
 * then read again after a short pause: a record another writer's concurrent append
 * dropped is noticed and appended again.
 */
import { type Digest, isDigest } from '../digest.js';
import { ManifestInvalidError, NotFoundError, ProtocolError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { OCI_INDEX } from '../media-types.js';
import type { Repository } from '../registry/repository.js';
import { sleep } from '../transport/retry.js';
import { ANNOTATION, RECORD_ARTIFACT_TYPE } from './record.js';
import { tagChangesOf } from './tag-changes.js';
import type { HistoryAction, HistoryEntry } from './types.js';

/** LEDGER_TAG is the reserved tag of the ledger index. */
export const LEDGER_TAG = 'oci-promote-history';
/** LEDGER_ARTIFACT_TYPE marks the ledger index. */
export const LEDGER_ARTIFACT_TYPE = 'application/vnd.oci-promote.ledger.v1+json';

/** Ledger is the ledger as read: its records, oldest first, and its own digest. */
export interface Ledger {
  records: Descriptor[];
  digest: Digest | null;
}

/** LedgerOptions tunes the append protocol (tests shorten the pause). */
export interface LedgerOptions {
  /** Pause before the confirming read, in ms (default 400, plus up to as much jitter). */
  settleMs?: number;
  /** Append rounds before giving up (default 6). */
  rounds?: number;
  signal?: AbortSignal;
}

/** readLedger reads the ledger; a repository without one has an empty ledger. */
export async function readLedger(repo: Repository, signal?: AbortSignal): Promise<Ledger> {
  try {
    const { manifest, descriptor } = await repo.manifests.get(LEDGER_TAG, signal);
    if (manifest.kind !== 'index') {
      throw new ManifestInvalidError(
        `${repo}:${LEDGER_TAG} is not an index; it is reserved for the ledger`,
      );
    }
    return {
      records: manifest.manifests.filter((d) => d.artifactType === RECORD_ARTIFACT_TYPE),
      digest: descriptor.digest,
    };
  } catch (e) {
    if (e instanceof NotFoundError) return { records: [], digest: null };
    throw e;
  }
}

/** writeLedger replaces the ledger with exactly these records. */
export async function writeLedger(
  repo: Repository,
  records: readonly Descriptor[],
  signal?: AbortSignal,
): Promise<Digest> {
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    artifactType: LEDGER_ARTIFACT_TYPE,
    manifests: records,
  };
  return (
    await repo.manifests.put(LEDGER_TAG, Buffer.from(JSON.stringify(index)), OCI_INDEX, signal)
  ).digest;
}

/**
 * appendToLedger adds a record and confirms it stays: after each write it waits, reads
 * again, and appends once more if a concurrent writer replaced the ledger without it.
 */
export async function appendToLedger(
  repo: Repository,
  record: Descriptor,
  options: LedgerOptions = {},
): Promise<void> {
  const settle = options.settleMs ?? 400;
  const rounds = options.rounds ?? 6;
  for (let round = 0; round < rounds; round++) {
    const ledger = await readLedger(repo, options.signal);
    if (round > 0 && ledger.records.some((r) => r.digest === record.digest)) return;
    if (!ledger.records.some((r) => r.digest === record.digest)) {
      await writeLedger(repo, [...ledger.records, record], options.signal);
    }
    await sleep(settle + Math.random() * settle, options.signal);
  }
  throw new ProtocolError(
    `${repo}:${LEDGER_TAG} kept changing under concurrent writers; the record ${record.digest} is stored but may be missing from the ledger`,
  );
}

/**
 * entriesOf turns ledger records into history entries, one per tag, oldest first. The
 * ledger is what a registry served: a record whose digests, tags or action do not parse
 * is left out whole, so a forged entry can at worst be ignored, never put a path where a
 * digest belongs.
 */
export function entriesOf(records: readonly Descriptor[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const r of records) {
    const a = r.annotations ?? {};
    const digest = a[ANNOTATION.digest];
    const action = a[ANNOTATION.action] ?? 'promote';
    const tags = tagChangesOf(a[ANNOTATION.tags]);
    if (digest === undefined || !isDigest(digest) || !isAction(action) || tags === undefined) {
      continue; // not one of ours, or damaged: history shows what it can read
    }
    for (const t of tags) {
      out.push({
        time: a[ANNOTATION.created] ?? '',
        action,
        tag: t.tag,
        digest,
        previousDigest: t.previousDigest,
        source: a[ANNOTATION.source] ?? null,
        actor: a[ANNOTATION.actor] ?? null,
        runUrl: a[ANNOTATION.runUrl] ?? null,
        record: r.digest,
      });
    }
  }
  return out;
}

const isAction = (v: string): v is HistoryAction => v === 'promote' || v === 'rollback';
