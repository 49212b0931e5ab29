/**
 * Settling a promotion's tags against concurrent writers. Registries have no
 * compare-and-swap on tags, so after writing, promote reads again what a concurrent
 * promotion could have changed and converges (docs/promotion.md, "Concurrent writers"):
 *
 * - an immutable tag found on another digest is lost: the caller reports it;
 * - a floating tag (`X.Y`, `X`, `latest`) it wrote is put where the versions present now
 *   say it belongs (floatingOwner): a racer that wrote a lower version last puts the
 *   higher one back. Each promotion writes its version tag before its floating tags and
 *   reads the tag list after its last write, so whichever writes a floating tag last
 *   sees every version that could own it, and the tag ends on the highest of them.
 *
 * A round costs one tag list and a HEAD per tag. Only a round that changed something is
 * preceded by a jittered pause (`settleMs`): that happens under contention only. A freshly
 * created immutable tag is read back after a wait sized to the racer it must catch, not
 * a fixed one: a racer that found the tag absent before this promotion's PUT landed
 * writes within one re-check-and-PUT of that moment, which this promotion has just
 * measured on its own tag; it reads back three times that (at least 20 ms, at most
 * `settleMs`) after its PUT landed, so the floating tags written meanwhile count toward
 * the wait. On a local registry that is about 20 ms.
 */
import type { Digest } from '../digest.js';
import type { LostTag } from '../errors.js';
import type { FetchedManifest } from '../registry/manifests.js';
import type { Repository } from '../registry/repository.js';
import { sleep } from '../transport/retry.js';
import {
  deriveSemverTags,
  type FloatingOwner,
  type FloatingTag,
  floatingOwner,
  isImmutableTag,
  type TagDecision,
} from './policy.js';
import { putTags, type TagHooks, type TagWrite } from './tags.js';
import type { TagConflict } from './types.js';

/** SettleOptions tune the rounds (tests shorten the pause). */
export interface SettleOptions {
  /** Pause before a re-read, in ms (default 150, plus up to as much jitter). */
  settleMs?: number;
  /** Read rounds before giving up on a tag that keeps changing (default 5). */
  rounds?: number;
}

/** SettleInput is what a promotion wrote. */
export interface SettleInput extends SettleOptions {
  manifest: FetchedManifest;
  written: readonly TagWrite[];
  /** With --semver: the version tag and the floating tags derived from it. */
  semver?: { versionTag: string; floating: readonly FloatingTag[] };
  signal?: AbortSignal;
  /** Test seam: awaited before each read round. */
  beforeCheck?(round: number): Promise<void> | void;
  /** How long this promotion's re-check and PUT of an immutable tag took (ms). */
  checkToPutMs?: number;
  /** When that PUT was answered (performance.now()): the wait counts from then. */
  landedAt?: number;
}

/** Settled is where the written tags ended. */
export interface Settled {
  /** Where each written tag points after the last round (null: absent). */
  now: Map<string, Digest | null>;
  /** Immutable tags a concurrent writer holds. */
  lost: LostTag[];
  /** Floating tags left to a higher release (on its digest, or put back), with its tag. */
  yielded: Map<string, string>;
  /** Tags found elsewhere that this promotion does not put back. */
  conflicts: TagConflict[];
}

/** settleTags reads the written tags again until they agree with the versions present. */
export async function settleTags(repo: Repository, input: SettleInput): Promise<Settled> {
  const ours = input.manifest.descriptor.digest;
  const pause = input.settleMs ?? 150;
  const rounds = Math.max(1, input.rounds ?? 5);
  const floating = new Map(
    (input.semver?.floating ?? [])
      .filter((f) => input.written.some((w) => w.tag === f.tag))
      .map((f) => [f.tag, f]),
  );
  const created = input.written.some((w) => w.immutable);
  const head = async (tag: string) =>
    (await repo.manifests.head(tag, input.signal))?.digest ?? null;

  for (let round = 0; ; round++) {
    if (round > 0) await sleep(pause + Math.random() * pause, input.signal);
    else if (created) {
      const readAfter = Math.min(pause, Math.max(20, 3 * (input.checkToPutMs ?? pause)));
      const since = input.landedAt === undefined ? 0 : performance.now() - input.landedAt;
      // A timer may fire up to 1 ms early by performance.now() (libuv counts whole ms).
      if (readAfter > since) await sleep(Math.ceil(readAfter - since) + 1, input.signal);
    }
    await input.beforeCheck?.(round);
    const [entries, present] = await Promise.all([
      Promise.all(input.written.map(async (w) => [w.tag, await head(w.tag)] as const)),
      floating.size > 0 ? repo.listTags(input.signal) : Promise.resolve([]),
    ]);
    const now = new Map<string, Digest | null>(entries);
    const out: Settled = { now, lost: [], yielded: new Map(), conflicts: [] };
    const last = round === rounds - 1;
    let changed = false;

    for (const w of input.written) {
      const f = floating.get(w.tag);
      const found = now.get(w.tag) ?? null;
      if (f && input.semver) {
        const owner = floatingOwner(input.semver.versionTag, f, present);
        const want =
          'restore' in owner
            ? w.previousDigest
            : (now.get(owner.versionTag) ?? (await head(owner.versionTag)));
        // A tag that did not exist cannot be put back portably: it stays ours.
        if (want === null || want === found) {
          if (found !== ours) yieldTo(out, w.tag, owner, input.semver.versionTag);
          continue;
        }
        if (last) {
          out.conflicts.push({ tag: w.tag, expected: want, found });
          continue;
        }
        await putDigest(repo, w.tag, want, input.manifest, input.signal);
        now.set(w.tag, want);
        if (want !== ours) yieldTo(out, w.tag, owner, input.semver.versionTag);
        changed = true;
      } else if (found !== ours) {
        if (w.immutable && found !== null) out.lost.push({ tag: w.tag, ours, theirs: found });
        else out.conflicts.push({ tag: w.tag, expected: ours, found });
      }
    }
    if (!changed || last) return out;
  }
}

/** yieldTo notes a floating tag left to a higher release than this promotion's. */
function yieldTo(out: Settled, tag: string, owner: FloatingOwner, own: string): void {
  const higher = 'restore' in owner ? owner.higher : owner.versionTag;
  if (higher !== own) out.yielded.set(tag, higher);
}

/** putDigest points `tag` at `digest`, a manifest already in the repository. */
export async function putDigest(
  repo: Repository,
  tag: string,
  digest: Digest,
  ours: FetchedManifest,
  signal?: AbortSignal,
): Promise<void> {
  const m = digest === ours.descriptor.digest ? ours : await repo.manifests.get(digest, signal);
  await repo.manifests.put(tag, m.bytes, m.descriptor.mediaType, signal);
}

/** WriteOptions are what writePromotionTags needs besides the plan. */
export interface WriteOptions extends SettleOptions {
  allowOverwrite: boolean;
  /** With --semver: the version tag the floating tags derive from. */
  semverFrom?: string;
  signal?: AbortSignal;
  hooks?: TagHooks & { beforeCheck?(round: number): Promise<void> | void };
}

/** Written is the plan as it ended: decisions corrected to what the tags hold. */
export interface Written {
  decisions: TagDecision[];
  conflicts: TagConflict[];
  /** Immutable tags lost to a concurrent writer (the promotion failed). */
  lost: LostTag[];
}

/**
 * writePromotionTags writes the tags the plan creates or moves, settles them, and
 * corrects the plan to what happened: a floating tag left to a higher release is
 * `unchanged` (with the reason), and after a lost immutable tag the promotion failed, so
 * every other tag it moved is put back (one it created cannot be removed portably and
 * stays, recorded), and the tags it does not hold are not claimed.
 */
export async function writePromotionTags(
  repo: Repository,
  manifest: FetchedManifest,
  decisions: readonly TagDecision[],
  options: WriteOptions,
): Promise<Written> {
  const digest = manifest.descriptor.digest;
  const derived = options.semverFrom ? deriveSemverTags(options.semverFrom) : undefined;
  const writes: TagWrite[] = decisions
    .filter((d) => d.action === 'created' || d.action === 'moved')
    .map((d) => ({
      tag: d.tag,
      previousDigest: d.previousDigest,
      immutable: isImmutableTag(d.tag) && !options.allowOverwrite,
      // The version tag before the floating ones it owns (see the top of this file).
      first: d.tag === derived?.full.tag,
    }));
  const put = await putTags(repo, manifest, writes, options.signal, options.hooks);
  if (put.failed !== undefined) {
    // A failed promotion moves no tag: put back those it moved (one it created stays).
    await putBack(repo, manifest, put.written, options.signal);
    throw put.failed;
  }
  const settled = await settleTags(repo, {
    manifest,
    written: put.written,
    checkToPutMs: put.checkToPutMs,
    landedAt: put.landedAt,
    ...(derived && { semver: { versionTag: derived.full.tag, floating: derived.floating } }),
    ...(options.settleMs !== undefined && { settleMs: options.settleMs }),
    ...(options.rounds !== undefined && { rounds: options.rounds }),
    ...(options.signal && { signal: options.signal }),
    ...(options.hooks?.beforeCheck && { beforeCheck: options.hooks.beforeCheck }),
  });
  const lost = put.lost ? [put.lost, ...settled.lost] : settled.lost;
  if (lost.length > 0) {
    const back = await putBack(
      repo,
      manifest,
      put.written.filter(
        (w) => settled.now.get(w.tag) === digest && !derived?.floating.some((f) => f.tag === w.tag), // settled already
      ),
      options.signal,
    );
    for (const w of back) settled.now.set(w.tag, w.previousDigest);
  }
  const written = new Set(put.written.map((w) => w.tag));
  const out = decisions.map((d): TagDecision => {
    if (d.action !== 'created' && d.action !== 'moved') return d;
    const now = settled.now.get(d.tag) ?? null;
    if (!written.has(d.tag)) {
      return { ...d, action: 'unchanged', reason: `not written: ${lost[0]!.tag} was lost` };
    }
    if (now === digest) return d;
    const higher = settled.yielded.get(d.tag);
    if (higher !== undefined) {
      return {
        tag: d.tag,
        action: 'unchanged',
        previousDigest: now,
        reason: `${higher}, a higher release, was promoted at the same time; ${d.tag} is left to it`,
      };
    }
    if (lost.length > 0) {
      return {
        tag: d.tag,
        action: 'unchanged',
        previousDigest: now,
        reason: 'the promotion lost a race',
      };
    }
    return d; // moved by another writer after this promotion: reported as a conflict
  });
  return { decisions: out, conflicts: settled.conflicts, lost };
}

/**
 * putBack points the mutable tags among `written` back where they were, best effort, and
 * returns those it put back: a tag that cannot go back stays on this digest, and is
 * recorded so. A tag that did not exist cannot be removed portably and stays.
 */
async function putBack(
  repo: Repository,
  manifest: FetchedManifest,
  written: readonly TagWrite[],
  signal?: AbortSignal,
): Promise<Array<TagWrite & { previousDigest: Digest }>> {
  const movable = written.filter(
    (w): w is TagWrite & { previousDigest: Digest } => !w.immutable && w.previousDigest !== null,
  );
  const back = await Promise.all(
    movable.map((w) =>
      putDigest(repo, w.tag, w.previousDigest, manifest, signal).then(
        () => true,
        () => false,
      ),
    ),
  );
  return movable.filter((_, i) => back[i]);
}
