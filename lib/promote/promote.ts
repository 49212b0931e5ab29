/**
 * promote: resolve the source once, check the gates, plan the tags, copy everything by
 * digest, confirm the image is in place, and only then write the tags — so a promotion
 * that fails at any point leaves every production tag as it was (docs/promotion.md, "A promotion, step by step"). Each
 * promotion that changes a tag is written down in the registry (record + ledger).
 */
import { copyGraph, type GraphCopyResult } from '../copy/copy.js';
import { filterRoot } from '../copy/plan.js';
import type { Digest } from '../digest.js';
import { PolicyError, TagRaceError, UsageError } from '../errors.js';
import { COSIGN_SIGNATURE } from '../media-types.js';
import { formatReference, manifestReference } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import { cosignTags } from '../registry/referrers.js';
import type { Repository } from '../registry/repository.js';
import { checkTargetGates, checkVerified } from './gates.js';
import { cacheRecords, ledgerEntriesOf, readLedger } from './ledger.js';
import { planTags, type TagDecision } from './policy.js';
import { pushRecord, recordBody } from './record.js';
import { type SettleOptions, writePromotionTags } from './settle.js';
import { lostMessage } from './tags.js';
import type {
  HistoryEntry,
  PromoteCopy,
  PromoteRequest,
  PromotionResult,
  TagChange,
} from './types.js';

/** PromoteOptions are settings of the library call that are not part of the request. */
export interface PromoteOptions {
  /** Name and version recorded as the writer of history records. */
  tool?: string;
  /** The rounds that settle the tags against concurrent writers (tests shorten the pause). */
  settle?: SettleOptions;
  /** Test seam: awaited where a concurrent writer can interleave. */
  hooks?: PromoteHooks;
}

/**
 * PromoteHooks let a test force an interleaving of concurrent promotions (see
 * docs/promotion.md, "Concurrent writers"). Each is awaited; none is needed in use.
 */
export interface PromoteHooks {
  /** After the plan and the copy, before the first tag is written. */
  beforeTags?(): Promise<void> | void;
  /** Right before a tag's PUT, after its immutability re-check. */
  beforeTagPut?(tag: string): Promise<void> | void;
  /** After the tags are written, before each round of reading them back. */
  beforeCheck?(round: number): Promise<void> | void;
}

/** promote promotes `req.source` into the repository `req.target`. */
export async function promote(
  client: RegistryClient,
  req: PromoteRequest,
  options: PromoteOptions = {},
): Promise<PromotionResult> {
  if (req.target.tag !== undefined || req.target.digest !== undefined) {
    throw new UsageError(
      `--to takes a repository without tag or digest, got ${formatReference(req.target)}`,
    );
  }
  const reference = manifestReference(req.source);
  const tags = req.tags?.length ? [...req.tags] : req.source.tag ? [req.source.tag] : [];
  if (tags.length === 0 && !req.semver) {
    throw new UsageError('the source is given by digest: name the tags to write with --tag');
  }
  const semverFrom = req.semver ? versionTagOf(tags) : undefined;
  const copyOptions = req.copy ?? {};
  const { signal } = copyOptions;
  const dryRun = copyOptions.dryRun === true;
  const src = client.repository(req.source);
  const dst = client.repository(req.target);

  // Resolve once: everything after works on this digest, whatever the tag does meanwhile.
  const fetched = await src.manifests.get(reference, signal);
  const root = copyOptions.platforms?.length ? filterRoot(fetched, copyOptions.platforms) : fetched;
  const digest = root.descriptor.digest;

  // The target's tags, listed once: the plan (--semver) and the ledger read both use them.
  const present = await dst.listTags(signal);
  const ledger = await readLedger(dst, { tags: present, ...(signal && { signal }) });
  const known = ledgerEntriesOf(ledger.records);
  const overrides = checkTargetGates(
    known,
    [...new Set([fetched.descriptor.digest, digest])],
    `${dst}`,
    req,
  );
  await checkVerified(
    req.evidenceRepository ? client.repository(req.evidenceRepository) : src,
    fetched.descriptor.digest,
    req.requireVerified ?? [],
    req.maxAgeMs,
    signal,
  );
  await checkGates(src, fetched.descriptor.digest, req.requireReferrers ?? []);
  const decisions = await plan(
    dst,
    digest,
    tags,
    semverFrom,
    present,
    req.allowOverwrite === true,
    signal,
  );
  const refused = decisions.filter((d) => d.action === 'refused');
  if (refused.length > 0) {
    throw new PolicyError(`promotion refused: ${refused.map((d) => d.reason).join('; ')}`);
  }

  // The engine gets the request's copy options as they are; it filters the same platforms
  // again (deterministically) and checks the result is the digest just planned. When a
  // tag is to be written, that PUT puts the root (leaveRoot); a repository the listing
  // showed without tags is taken to hold nothing yet (untagged).
  const copy = everyTagHolds(decisions, digest, copyOptions.referrers === true)
    ? { ...NOTHING_COPIED, manifests: { copied: 0, skipped: 1 } }
    : statsOf(
        await copyGraph(src, fetched, dst, copyOptions, {
          digest,
          leaveRoot: decisions.some((d) => d.action === 'created' || d.action === 'moved'),
          untagged: present.length === 0,
        }),
      );
  const result: PromotionResult = {
    source: formatReference({ ...req.source, digest: fetched.descriptor.digest }),
    digest,
    repository: formatReference(req.target),
    tags: decisions.map(toChange),
    copy,
    record: null,
    conflicts: [],
    ...(overrides.length > 0 && { overrides }),
    dryRun,
  };
  if (dryRun) return result;

  // Tags last, and only onto an image the registry holds whole: the copy found the root
  // there or made sure of everything it references, and the registry accepts a manifest
  // (by digest, or under the first tag) only when all of that is present.
  await options.hooks?.beforeTags?.();
  const written = await writePromotionTags(dst, root, decisions, {
    allowOverwrite: req.allowOverwrite === true,
    ...(semverFrom !== undefined && { semverFrom }),
    ...options.settle,
    ...(signal && { signal }),
    ...(options.hooks && { hooks: options.hooks }),
  });
  result.tags = written.decisions.map(toChange);
  result.conflicts = written.conflicts;

  // The ledger as read before the copy: a record written since is in the journal, and the
  // cache write below loses nothing by not listing it (ledger.ts).
  const recorded = recordTags(
    written.decisions,
    digest,
    known.filter((e): e is HistoryEntry => e.tag !== null),
  );
  if (recorded.length > 0) {
    const body = recordBody({
      action: 'promote',
      repository: result.repository,
      digest,
      source: result.source,
      tags: recorded,
      tool: options.tool ?? 'oci-promote',
      ...(overrides.length > 0 && { overrides }),
      ...(req.provenance && { provenance: req.provenance }),
    });
    const record = await pushRecord(dst, root.descriptor, body, signal, {
      tags: present,
      indexUnchanged: copy.referrers.length === 0,
      alongside: (listed) =>
        cacheRecords(dst, [listed], {
          read: ledger,
          ...(signal && { signal }),
          ...(copyOptions.logger && { logger: copyOptions.logger }),
        }),
    });
    result.record = record.digest;
  }
  if (written.lost.length > 0) {
    const held = recorded.map((t) => t.tag);
    throw new TagRaceError(
      `promotion lost a race: ${lostMessage(dst, written.lost)}. ${
        held.length > 0
          ? `Only ${held.join(', ')} kept ${digest} (record ${result.record})`
          : `No tag was left on ${digest} and nothing was recorded`
      }; tags it had moved are put back. Check which image ${written.lost[0]!.tag} should name; --allow-overwrite moves it.`,
      written.lost,
    );
  }
  return result;
}

const NOTHING_COPIED: PromoteCopy = {
  manifests: { copied: 0, skipped: 0 },
  blobs: { copied: 0, mounted: 0, skipped: 0 },
  bytesCopied: 0,
  referrers: [],
};

function statsOf(copied: GraphCopyResult): PromoteCopy {
  const { root: _root, digest: _d, mediaType: _m, size: _s, filteredFrom: _f, ...copy } = copied;
  return copy;
}

/**
 * everyTagHolds: every tag to write already names the digest (a re-run). The registry
 * accepted that manifest under the tag only with everything it references present, so
 * there is nothing to copy — unless referrers are asked for, which may have been added.
 */
function everyTagHolds(
  decisions: readonly TagDecision[],
  digest: Digest,
  referrers: boolean,
): boolean {
  return (
    !referrers &&
    decisions.length > 0 &&
    decisions.every((d) => d.action === 'unchanged' && d.previousDigest === digest)
  );
}

/** versionTagOf picks the one version tag --semver derives from. */
function versionTagOf(tags: readonly string[]): string {
  const versions = tags.filter((t) => /^v?\d+\.\d+\.\d+(-|$)/.test(t));
  if (versions.length !== 1) {
    throw new UsageError(
      `--semver derives tags from one version tag (the source tag or one --tag like 1.2.3); found ${versions.length ? versions.join(', ') : 'none'} among ${tags.join(', ') || 'no tags'}`,
    );
  }
  return versions[0]!;
}

/** checkGates refuses a source that lacks a required referrer (e.g. a signature). */
async function checkGates(
  src: Repository,
  digest: Digest,
  types: readonly string[],
): Promise<void> {
  const missing: string[] = [];
  for (const type of types) {
    if ((await src.referrers.list(digest, type)).length > 0) continue;
    // Cosign signatures stored the classic way live under a tag, not as referrers.
    if (type === COSIGN_SIGNATURE && (await src.manifests.head(cosignTags(digest)[0]!))) continue;
    missing.push(type);
  }
  if (missing.length > 0) {
    throw new PolicyError(
      `promotion refused: ${src}@${digest} has no referrer of type ${missing.join(', ')} (required by --require-referrer)`,
    );
  }
}

/** plan reads where the candidate tags point in the target and decides each one. */
async function plan(
  dst: Repository,
  digest: Digest,
  tags: readonly string[],
  semverFrom: string | undefined,
  present: readonly string[],
  allowOverwrite: boolean,
  signal?: AbortSignal,
): Promise<TagDecision[]> {
  // The existing tags matter only for --semver (finding the highest release).
  const existing = semverFrom === undefined ? [] : present;
  const candidates = planTags({
    digest,
    tags,
    semverFrom,
    current: new Map(),
    existing,
    allowOverwrite,
  }).map((d) => d.tag);
  const current = new Map<string, Digest>();
  await Promise.all(
    candidates.map(async (tag) => {
      if (!present.includes(tag)) return; // absent when listed: nothing to read
      const d = await dst.manifests.head(tag, signal);
      if (d) current.set(tag, d.digest);
    }),
  );
  return planTags({ digest, tags, semverFrom, current, existing, allowOverwrite });
}

function toChange(d: TagDecision): TagChange {
  return {
    tag: d.tag,
    action: d.action as TagChange['action'],
    previousDigest: d.previousDigest,
    ...(d.reason !== undefined && { reason: d.reason }),
  };
}

/**
 * recordTags lists the tag changes to write down: tags this promotion created or moved,
 * and tags already on `digest` that the ledger does not show there (a re-run after a
 * promotion whose record was lost), each with the digest the ledger last knew.
 */
function recordTags(
  decisions: readonly TagDecision[],
  digest: Digest,
  history: readonly HistoryEntry[],
): TagChange[] {
  const last = new Map<string, Digest>();
  for (const e of history) last.set(e.tag, e.digest);
  const out: TagChange[] = [];
  for (const d of decisions) {
    if (d.action === 'created' || d.action === 'moved') {
      out.push({ tag: d.tag, action: d.action, previousDigest: d.previousDigest });
    } else if (
      d.action === 'unchanged' &&
      d.previousDigest === digest &&
      last.get(d.tag) !== digest
    ) {
      const known = last.get(d.tag) ?? null;
      out.push({ tag: d.tag, action: known ? 'moved' : 'created', previousDigest: known });
    }
  }
  return out;
}
