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
}

/** TagHooks are the write-side test seam of PromoteHooks. */
export interface TagHooks {
  /** Right before a tag's PUT, after its immutability re-check. */
  beforeTagPut?(tag: string): Promise<void> | void;
}

/**
 * putTags points each tag at `manifest`, in order. An immutable tag found on another
 * digest than the plan saw stops the writing: it and the tags after it are not written.
 */
export async function putTags(
  repo: Repository,
  manifest: FetchedManifest,
  writes: readonly TagWrite[],
  signal?: AbortSignal,
  hooks: TagHooks = {},
): Promise<{ written: TagWrite[]; lost?: LostTag; checkToPutMs: number }> {
  const digest = manifest.descriptor.digest;
  const written: TagWrite[] = [];
  let checkToPutMs = 0;
  for (const w of writes) {
    const started = performance.now();
    if (w.immutable) {
      const now = (await repo.manifests.head(w.tag, signal))?.digest ?? null;
      if (now !== null && now !== w.previousDigest && now !== digest) {
        return { written, lost: { tag: w.tag, ours: digest, theirs: now }, checkToPutMs };
      }
    }
    await hooks.beforeTagPut?.(w.tag);
    await repo.manifests.put(w.tag, manifest.bytes, manifest.descriptor.mediaType, signal);
    if (w.immutable) checkToPutMs = Math.max(checkToPutMs, performance.now() - started);
    written.push(w);
  }
  return { written, checkToPutMs };
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
  const { lost } = await putTags(repo, manifest, writes, signal);
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
