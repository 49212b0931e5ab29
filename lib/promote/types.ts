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
  conflicts: TagConflict[];
  dryRun: boolean;
}

/** HistoryAction is what a ledger entry records. */
export type HistoryAction = 'promote' | 'rollback';

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
}

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
