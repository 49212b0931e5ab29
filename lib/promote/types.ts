/**
 * The shapes of promotion: what is asked, what is planned, what happened, and what is
 * written down. Field names of the results follow the CLI's `--json` contract.
 */
import type { CopyOptions, CopyStats } from '../copy/index.js';
import type { CopiedReferrer } from '../copy/referrers.js';
import type { Digest } from '../digest.js';
import type { Logger } from '../log.js';
import type { Reference } from '../reference.js';

/** TagAction is what a promotion or rollback does to one tag. */
export type TagAction = 'created' | 'moved' | 'unchanged';

/** TagChange is one tag's outcome (`--json` `tags[]`). */
export interface TagChange {
  tag: string;
  action: TagAction;
  /** The digest the tag held before, or null when it did not exist. */
  previousDigest: Digest | null;
  /** Why a tag was left where it is, when that is not obvious (e.g. not the highest release). */
  reason?: string;
}

/** Who and where a change came from; recorded in history and audit. */
export interface Provenance {
  /** Who asked (GITHUB_ACTOR, $USER, …), when known. */
  actor?: string;
  /** Link to the CI run, when known. */
  runUrl?: string;
}

/** PromoteRequest says what to promote where. */
export interface PromoteRequest {
  /** Source: a tag or a digest in the staging repository. */
  source: Reference;
  /** Target repository (no tag, no digest). */
  target: Reference;
  /** Tags to write; default: the source tag. */
  tags?: readonly string[];
  /** Derive X.Y.Z, X.Y, X and latest from the version tag (semver). */
  semver?: boolean;
  /** Let a full-version or sha-* tag move to another digest. */
  allowOverwrite?: boolean;
  /** Refuse unless the source digest has a referrer of each of these artifact types. */
  requireReferrers?: readonly string[];
  /**
   * Refuse unless the source digest's most recent verification record for each of these
   * stages passed (and is younger than `maxAgeMs`, when set). See `attest`.
   */
  requireVerified?: readonly string[];
  /** Oldest acceptable age of a verification record, in milliseconds. */
  maxAgeMs?: number;
  /** Where the verification records are read (default: the source repository). */
  evidenceRepository?: Reference;
  /** Promote a digest held in the target anyway; the reason is written down. */
  allowHeld?: string;
  /** Promote into a frozen repository anyway; the reason is written down. */
  overrideFreeze?: string;
  /**
   * How the content is copied: the copy engine's own options (jobs, chunk size, retry,
   * platforms, referrers, dry run, signal, events, logger), passed to it as they are. Its
   * `dryRun`, `signal` and `platforms` govern the whole promotion: a dry run writes no
   * tag and no record, an abort stops it, and the filtered index is what gets tagged.
   */
  copy?: CopyOptions;
  provenance?: Provenance;
}

/** PromoteCopy is the copy part of a promotion result (`--json` `copy`). */
export interface PromoteCopy extends CopyStats {
  referrers: CopiedReferrer[];
}

/** PromotionResult is what `promote` did (or, dry, would do). */
export interface PromotionResult {
  /** The source reference, with its digest. */
  source: string;
  /** The promoted digest. */
  digest: Digest;
  /** The target repository. */
  repository: string;
  tags: TagChange[];
  copy: PromoteCopy;
  /** Digest of the history record pushed, or null when nothing changed (or dry run). */
  record: Digest | null;
  /** Tags that another writer moved between this promotion's write and its read-back. */
  conflicts: TagConflict[];
  /** Gates passed by hand (`--allow-held`, `--override-freeze`); present only when any. */
  overrides?: Override[];
  dryRun: boolean;
}

/** TagConflict: a tag found pointing elsewhere right after this operation wrote it. */
export interface TagConflict {
  tag: string;
  expected: Digest;
  found: Digest | null;
}

/** RollbackRequest says which tag to move back, and how far. */
export interface RollbackRequest {
  /** Repository and tag to roll back. */
  target: Reference;
  /** How many promotions back (default 1). */
  steps?: number;
  /** Or exactly this digest, which must be in the tag's history. */
  to?: Digest;
  allowOverwrite?: boolean;
  /** Hold the digest the tag moves away from (default true). */
  hold?: boolean;
  /** Why: kept in the rollback record and the hold it writes. */
  reason?: string;
  dryRun?: boolean;
  provenance?: Provenance;
  signal?: AbortSignal;
  logger?: Logger;
}

/** RollbackResult follows the `--json` contract. */
export interface RollbackResult {
  repository: string;
  tag: string;
  /** The digest the tag points to now. */
  digest: Digest;
  /** The digest it pointed to before. */
  previousDigest: Digest;
  record: Digest | null;
  /** The hold record written on `previousDigest`, or null (`--no-hold`, dry run, no move). */
  hold: Digest | null;
  conflicts: TagConflict[];
  dryRun: boolean;
}

/** HistoryAction is what a ledger entry records. */
export type HistoryAction = 'promote' | 'rollback';

/** EvidenceAction is what an evidence record records (no tag changes). */
export type EvidenceAction = 'attest' | 'hold' | 'release' | 'freeze' | 'unfreeze';

/** RecordAction is every kind of record the ledger lists. */
export type RecordAction = HistoryAction | EvidenceAction;

/** CheckResult is the outcome of one verification or one of its checks. */
export type CheckResult = 'passed' | 'failed';

/** Override: a gate passed by hand, with the reason given (kept in the record). */
export interface Override {
  gate: 'hold' | 'freeze';
  reason: string;
}

/** AttestRequest: a stage's verdict on an image (resolved once to its digest). */
export interface AttestRequest {
  /** The image, by tag or digest, in the repository where the record is kept. */
  image: Reference;
  stage: string;
  result: CheckResult;
  checks?: readonly { name: string; result: CheckResult }[];
  /** A JSON object kept in the predicate (at most 64 KiB serialised). */
  details?: Record<string, unknown>;
  summary?: string;
  provenance?: Provenance;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** HoldRequest: hold or release a digest in a repository. */
export interface HoldRequest {
  /** repository@digest */
  target: Reference;
  reason: string;
  provenance?: Provenance;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** FreezeRequest: freeze or unfreeze a repository. */
export interface FreezeRequest {
  /** The repository (no tag, no digest). */
  target: Reference;
  reason: string;
  /** Freeze only: the freeze lifts by itself at this time. */
  until?: Date;
  provenance?: Provenance;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** EvidenceResult is what attest, hold, release, freeze and unfreeze wrote (`--json`). */
export interface EvidenceResult {
  action: EvidenceAction;
  repository: string;
  /** The image the record speaks of; null for freeze and unfreeze. */
  digest: Digest | null;
  /** The record written (null on a dry run). */
  record: Digest | null;
  time: string;
  reason: string | null;
  /** attest only */
  stage?: string;
  result?: CheckResult;
  /** freeze only */
  until?: string | null;
  dryRun: boolean;
}

/** Hold: a digest that cannot be promoted into the repository. */
export interface Hold {
  digest: Digest;
  reason: string;
  actor: string | null;
  time: string;
  runUrl: string | null;
  record: Digest;
}

/** Freeze: the repository refuses promotions until unfrozen or `until`. */
export interface Freeze {
  reason: string;
  actor: string | null;
  time: string;
  /** When it lifts by itself (ISO time), or null. */
  until: string | null;
  runUrl: string | null;
  record: Digest;
}

/** Verification: one stage's recorded verdict on a digest. */
export interface Verification {
  stage: string;
  result: CheckResult;
  digest: Digest;
  time: string;
  actor: string | null;
  runUrl: string | null;
  summary: string | null;
  checks: { name: string; result: CheckResult }[];
  record: Digest;
}

/** StatusRequest: a repository, a tag in it, or a digest in it. */
export interface StatusRequest {
  target: Reference;
  /** Where verification records are read (default: the target repository). */
  evidenceRepository?: Reference;
  /** History entries shown (default 10). */
  historyLimit?: number;
  signal?: AbortSignal;
}

/** StatusResult is the one view of the facts (`status --json`). */
export interface StatusResult {
  repository: string;
  /** The tag asked about, or null. */
  tag: string | null;
  /** The digest asked about (or the tag's digest), or null for a whole repository. */
  digest: Digest | null;
  /** Tags and their digests (the one tag; the tags on the digest; or the repository's). */
  tags: { tag: string; digest: Digest }[];
  /** Whether more tags exist than were read (a whole repository lists at most 100). */
  tagsTruncated: boolean;
  freeze: Freeze | null;
  holds: Hold[];
  /** Whether `digest` is held (false without a digest). */
  held: boolean;
  /** Recent ledger entries, newest first (of the tag, or the digest, or the repository). */
  history: LedgerEntry[];
  /** For a digest: its verification records, newest first. */
  verifications: Verification[];
  /** For a digest: the most recent verdict per stage. */
  stages: Record<string, Verification>;
}

/** HistoryEntry is one tag change in the ledger (`--json` `entries[]`). */
export interface HistoryEntry {
  time: string;
  action: HistoryAction;
  tag: string;
  digest: Digest;
  previousDigest: Digest | null;
  /** The source reference of a promotion (null for rollbacks). */
  source: string | null;
  actor: string | null;
  runUrl: string | null;
  /** The history record this entry comes from. */
  record: Digest;
  /** Why (rollbacks, when given). */
  reason?: string | null;
  /** Gates passed by hand for this promotion (`--allow-held`, `--override-freeze`). */
  overrides?: Override[];
}

/**
 * EvidenceEntry is one evidence record in the ledger (`history --json` `entries[]`): no
 * tag changes, so `tag`, `previousDigest` and `source` are null.
 */
export interface EvidenceEntry {
  time: string;
  action: EvidenceAction;
  tag: null;
  /** The image it speaks of; null for freeze and unfreeze. */
  digest: Digest | null;
  previousDigest: null;
  source: null;
  actor: string | null;
  runUrl: string | null;
  record: Digest;
  reason: string | null;
  /** attest */
  stage?: string;
  result?: CheckResult;
  summary?: string | null;
  checks?: { name: string; result: CheckResult }[];
  /** freeze */
  until?: string | null;
}

/** LedgerEntry is anything `history` lists. */
export type LedgerEntry = HistoryEntry | EvidenceEntry;

/** PruneRequest says how much history to keep. */
export interface PruneRequest {
  target: Reference;
  /** Ledger entries kept per tag. */
  keep: number;
  dryRun?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
}

/** PruneResult says what was (or would be) removed. */
export interface PruneResult {
  repository: string;
  keep: number;
  /** Records dropped from the ledger. */
  removedRecords: Digest[];
  /** Image manifests deleted, as the registry confirmed (or that would be). */
  deleted: Digest[];
  /** History record artifacts deleted with their images, as confirmed (or that would be). */
  deletedRecords: Digest[];
  /** Dropped ledger entries that are not records oci-promote wrote: left alone. */
  ignoredRecords: Digest[];
  /** Why deletion was skipped, when it was (e.g. ghcr.io needs the GitHub Packages API). */
  deletionSkipped: string | null;
  dryRun: boolean;
}
