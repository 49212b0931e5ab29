/**
 * Batch promotion: many promotions from one list (a promotions file), a few at a time,
 * spread over CI jobs with shards. A failed entry never stops the batch: every entry
 * runs, and the outcome lists each one in file order with its result or its error.
 *
 * Entries that promote into the same repository run one after another, in file order,
 * even when `parallel` would allow more: their tags (semver's `1`, `1.2`, `latest`) and
 * the repository's ledger are then decided in a known order instead of by a race.
 */
import type { CopyOptions } from '../copy/index.js';
import { type ErrorSummary, errorSummary, UsageError } from '../errors.js';
import { formatReference, type Reference } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import { type PromoteOptions, promote } from './promote.js';
import type { PromotionEntry } from './promotion-file.js';
import type { PromoteRequest, PromotionResult, Provenance } from './types.js';

/**
 * How many promotions run at once unless told otherwise. A promotion of a small image is
 * some 25 short requests in a row, so a batch is bound by round trips, not bytes: 8 at
 * once took 200 such images from 66 s (2 at once) to 37 s in `npm run bench`, and match
 * the 8 connections the transport keeps per registry, so entries do not queue for one.
 */
export const DEFAULT_PARALLEL = 8;

/** PromoteFn is `promote`'s signature (injectable, e.g. in tests). */
export type PromoteFn = (
  client: RegistryClient,
  req: PromoteRequest,
  options?: PromoteOptions,
) => Promise<PromotionResult>;

/**
 * BatchDefaults apply to every entry. `copy` is every promotion's copy options (its
 * `signal` also cancels entries not started yet); an entry's own `referrers` and
 * `platforms` take the place of those in it. `semver`, `allowOverwrite`, `maxAgeMs` and
 * `evidenceRepository` are used where an entry does not say; `requireReferrers` and
 * `requireVerified` are added to each entry's own list (a gate only ever gets stricter).
 * `allowHeld` and `overrideFreeze` (reasons, written down) apply to every entry.
 */
export interface BatchDefaults {
  copy?: CopyOptions;
  provenance?: Provenance;
  semver?: boolean;
  allowOverwrite?: boolean;
  requireReferrers?: readonly string[];
  requireVerified?: readonly string[];
  maxAgeMs?: number;
  evidenceRepository?: Reference;
  allowHeld?: string;
  overrideFreeze?: string;
}

/** BatchError is why an entry failed: the error's stable code and a one-line message. */
export type BatchError = ErrorSummary;

/** BatchSuccess: the entry was promoted (or, dry, planned). */
export interface BatchSuccess {
  entry: PromotionEntry;
  line: number;
  ok: true;
  result: PromotionResult;
}

/**
 * BatchFailure: the entry failed. `result` is there when the promotion itself went
 * through but what followed did not (another writer moved a tag right after it was
 * written: `ERR_TAG_CONFLICT`; or `onResult` threw).
 */
export interface BatchFailure {
  entry: PromotionEntry;
  line: number;
  ok: false;
  error: BatchError;
  result?: PromotionResult;
}

export type BatchResult = BatchSuccess | BatchFailure;

/** BatchOutcome lists every entry in file order. */
export interface BatchOutcome {
  results: BatchResult[];
  succeeded: number;
  failed: number;
}

/** BatchOptions of promoteBatch. */
export interface BatchOptions {
  /** Promotions at once (default DEFAULT_PARALLEL). */
  parallel?: number;
  defaults?: BatchDefaults;
  /**
   * Called as each entry finishes (in the order they finish), before its slot is given
   * to the next entry. If it throws, that entry is recorded as failed with that error.
   */
  onResult?: (result: BatchResult) => void | Promise<void>;
  /** The promotion to run (default: `promote`). */
  promoteFn?: PromoteFn;
  /** Passed to every promotion (e.g. the tool name written into history records). */
  promoteOptions?: PromoteOptions;
}

/**
 * promoteBatch runs the promotions of `entries`, at most `parallel` at once and one at a
 * time per target repository. It never stops at a failure: each one is caught and
 * recorded. When `defaults.copy.signal` aborts, entries not started yet are recorded as
 * failed (`ERR_ABORTED`) and the running ones get the signal.
 */
export async function promoteBatch(
  client: RegistryClient,
  entries: readonly PromotionEntry[],
  options: BatchOptions = {},
): Promise<BatchOutcome> {
  const parallel = options.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1) {
    throw new UsageError(`parallel must be a whole number of at least 1, got ${parallel}`);
  }
  const defaults = options.defaults ?? {};
  const promoteFn = options.promoteFn ?? promote;
  const results: BatchResult[] = new Array(entries.length);
  const pending = entries.map((entry, index) => ({ entry, index }));
  const busy = new Set<string>();
  let running = 0;

  const runOne = async (entry: PromotionEntry): Promise<BatchResult> => {
    const signal = defaults.copy?.signal;
    let result: BatchResult;
    if (signal?.aborted) {
      result = failure(entry, {
        code: 'ERR_ABORTED',
        message: `not started: the batch was cancelled (${reasonOf(signal)})`,
      });
    } else {
      try {
        const promoted = await promoteFn(
          client,
          requestFor(entry, defaults),
          options.promoteOptions,
        );
        result =
          promoted.conflicts.length > 0
            ? { ...failure(entry, conflictError(promoted)), result: promoted }
            : { entry, line: entry.line, ok: true, result: promoted };
      } catch (e) {
        result = failure(entry, batchError(e));
      }
    }
    if (options.onResult) {
      try {
        await options.onResult(result);
      } catch (e) {
        result = {
          ...failure(entry, batchError(e)),
          ...(result.result !== undefined && { result: result.result }),
        };
      }
    }
    return result;
  };

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (running < parallel) {
        const k = pending.findIndex((p) => !busy.has(repositoryKey(p.entry)));
        if (k < 0) break;
        const [{ entry, index }] = pending.splice(k, 1) as [(typeof pending)[number]];
        const key = repositoryKey(entry);
        busy.add(key);
        running++;
        void runOne(entry)
          .catch((e: unknown) => failure(entry, batchError(e)))
          .then((r) => {
            results[index] = r;
            busy.delete(key);
            running--;
            pump();
          });
      }
      if (running === 0 && pending.length === 0) resolve();
    };
    pump();
  });

  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}

/** requestFor builds the promote request of one entry. */
export function requestFor(entry: PromotionEntry, defaults: BatchDefaults = {}): PromoteRequest {
  const required = union(entry.requireReferrers, defaults.requireReferrers);
  const stages = union(entry.requireVerified, defaults.requireVerified);
  const semver = entry.semver ?? defaults.semver;
  const allowOverwrite = entry.allowOverwrite ?? defaults.allowOverwrite;
  const maxAgeMs = entry.maxAgeMs ?? defaults.maxAgeMs;
  const evidenceRepository = entry.evidenceRepository ?? defaults.evidenceRepository;
  const copy: CopyOptions = {
    ...defaults.copy,
    ...(entry.referrers !== undefined && { referrers: entry.referrers }),
    ...(entry.platforms !== undefined && { platforms: entry.platforms }),
  };
  return {
    source: entry.source,
    target: entry.target,
    ...(entry.tags !== undefined && { tags: entry.tags }),
    ...(semver !== undefined && { semver }),
    ...(allowOverwrite !== undefined && { allowOverwrite }),
    ...(required.length > 0 && { requireReferrers: required }),
    ...(stages.length > 0 && { requireVerified: stages }),
    ...(maxAgeMs !== undefined && { maxAgeMs }),
    ...(evidenceRepository !== undefined && { evidenceRepository }),
    ...(defaults.allowHeld !== undefined && { allowHeld: defaults.allowHeld }),
    ...(defaults.overrideFreeze !== undefined && { overrideFreeze: defaults.overrideFreeze }),
    ...(Object.keys(copy).length > 0 && { copy }),
    ...(defaults.provenance && { provenance: defaults.provenance }),
  };
}

/** union lists an entry's own gate values, then the defaults it lacks. */
function union(own: readonly string[] = [], defaults: readonly string[] = []): string[] {
  return [...new Set([...own, ...defaults])];
}

/** Shard is one part of a batch split over N jobs: `index` of `count`, 1-based. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * selectShard keeps the entries of shard `index` of `count` (1-based): entry k (0-based
 * position in the list) belongs to shard (k mod count) + 1. Deterministic by position,
 * so shards 1..N of the same list cover every entry exactly once.
 */
export function selectShard<T>(entries: readonly T[], index: number, count: number): T[] {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(`shard count must be a whole number of at least 1, got ${count}`);
  }
  if (!Number.isSafeInteger(index) || index < 1 || index > count) {
    throw new UsageError(`shard index must be a whole number from 1 to ${count}, got ${index}`);
  }
  return entries.filter((_, k) => k % count === index - 1);
}

/** parseShard reads `I/N` strictly (digits only, no leading zeros, 1 ≤ I ≤ N). */
export function parseShard(text: string): Shard {
  const m = /^([1-9][0-9]{0,5})\/([1-9][0-9]{0,5})$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index > count) {
    throw new UsageError(
      `invalid shard ${JSON.stringify(text)}: expected I/N with 1 ≤ I ≤ N, e.g. 1/4 for the first of 4 jobs`,
    );
  }
  return { index, count };
}

/** batchError turns what an entry threw into its code and one-line message. */
export function batchError(e: unknown): BatchError {
  return errorSummary(e);
}

function failure(entry: PromotionEntry, error: BatchError): BatchFailure {
  return { entry, line: entry.line, ok: false, error };
}

function conflictError(r: PromotionResult): BatchError {
  const moved = r.conflicts.map((c) => `${c.tag} now points to ${c.found ?? 'nothing'}`);
  return {
    code: 'ERR_TAG_CONFLICT',
    message: `another writer moved tags right after this promotion wrote them: ${moved.join('; ')}`,
  };
}

function repositoryKey(entry: PromotionEntry): string {
  return formatReference({ registry: entry.target.registry, repository: entry.target.repository });
}

function reasonOf(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : String(r ?? 'aborted');
}
