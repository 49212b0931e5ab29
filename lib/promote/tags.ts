/**
 * Writing promotion tags: the last step of a promotion or rollback. Registries have no
 * compare-and-swap on tags, so an immutable tag is checked again right before it is
 * written, and written tags are read back to catch a concurrent writer (promote goes
 * further and converges: see settle.ts).
 */
import type { Digest } from '../digest.js';
import { type LostTag, TagRaceError } from '../errors.js';
import type { FetchedManifest } from '../registry/manifests.js';
import type { Repository } from '../registry/repository.js';
import type { TagConflict } from './types.js';

/** TagWrite is one tag to point at the manifest. */
export interface TagWrite {
  tag: string;
  /** Where the plan saw the tag (null: absent). */
  previousDigest: Digest | null;
  /** Refuse to write if the tag now points elsewhere than the plan saw. */
  immutable: boolean;
  /** Written before the others, one by one (immutable tags are, always). */
  first?: boolean;
}

/** TagHooks are the write-side test seam of PromoteHooks. */
export interface TagHooks {
  /** Right before a tag's PUT, after its immutability re-check. */
  beforeTagPut?(tag: string): Promise<void> | void;
}

/** PutTags is what putTags did: the tags written, and why it stopped early, if it did. */
export interface PutTags {
  written: TagWrite[];
  /** An immutable tag found on another digest: it and the tags after it were not written. */
  lost?: LostTag;
  /** A PUT failed: the tags in `written` were written, the others not. */
  failed?: unknown;
  /** The longest re-check-and-PUT of an immutable tag (ms). */
  checkToPutMs: number;
  /** When the last immutable tag's PUT was answered (performance.now(); 0: none was). */
  landedAt: number;
}

/**
 * putTags points each tag at `manifest`: the immutable tags, then those marked `first`
 * (else the first tag), one by one, an immutable one re-checked right before its PUT;
 * then the others all at once. It stops at an immutable tag found on another digest than
 * the plan saw, or at a failed PUT, and says which tags it wrote: the caller puts back
 * what it moved. Every PUT has ended when it returns.
 */
export async function putTags(
  repo: Repository,
  manifest: FetchedManifest,
  writes: readonly TagWrite[],
  signal?: AbortSignal,
  hooks: TagHooks = {},
): Promise<PutTags> {
  const digest = manifest.descriptor.digest;
  const put = async (w: TagWrite) => {
    await hooks.beforeTagPut?.(w.tag);
    await repo.manifests.put(w.tag, manifest.bytes, manifest.descriptor.mediaType, signal);
  };
  const out: PutTags = { written: [], checkToPutMs: 0, landedAt: 0 };
  const marked = [
    ...writes.filter((w) => w.immutable),
    ...writes.filter((w) => !w.immutable && w.first === true),
  ];
  // At least one tag goes alone: its PUT may be the one that creates the manifest.
  const alone = marked.length > 0 ? marked : writes.slice(0, 1);
  for (const w of alone) {
    const started = performance.now();
    try {
      if (w.immutable) {
        const now = (await repo.manifests.head(w.tag, signal))?.digest ?? null;
        if (now !== null && now !== w.previousDigest && now !== digest) {
          return { ...out, lost: { tag: w.tag, ours: digest, theirs: now } };
        }
      }
      await put(w);
    } catch (e) {
      return { ...out, failed: e };
    }
    if (w.immutable) {
      out.landedAt = performance.now();
      out.checkToPutMs = Math.max(out.checkToPutMs, out.landedAt - started);
    }
    out.written.push(w);
  }
  const rest = writes.filter((w) => !alone.includes(w));
  const results = await Promise.allSettled(rest.map(put));
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') out.written.push(rest[i]!);
    else out.failed ??= r.reason;
  });
  return out;
}

/**
 * writeTags points each tag at `manifest`, in order, then reads them all back and
 * returns the ones found pointing elsewhere.
 */
export async function writeTags(
  repo: Repository,
  manifest: FetchedManifest,
  writes: readonly TagWrite[],
  signal?: AbortSignal,
): Promise<TagConflict[]> {
  const digest = manifest.descriptor.digest;
  const { lost, failed } = await putTags(repo, manifest, writes, signal);
  if (failed !== undefined) throw failed;
  if (lost) throw new TagRaceError(lostMessage(repo, [lost]), [lost]);
  const found = await Promise.all(
    writes.map(async (w) => ({
      tag: w.tag,
      now: (await repo.manifests.head(w.tag, signal))?.digest ?? null,
    })),
  );
  return found
    .filter((f) => f.now !== digest)
    .map((f) => ({ tag: f.tag, expected: digest, found: f.now }));
}

/** lostMessage names each lost tag with both digests. */
export function lostMessage(repo: Repository, lost: readonly LostTag[]): string {
  return lost
    .map(
      (l) =>
        `${repo}:${l.tag} is immutable and a concurrent writer set it to ${l.theirs}; it does not hold ${l.ours}`,
    )
    .join('; ');
}
