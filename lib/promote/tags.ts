/**
 * Writing promotion tags: the last step of a promotion or rollback. Registries have no
 * compare-and-swap on tags, so an immutable tag is checked again right before it is
 * written, and every written tag is read back to catch a concurrent writer.
 */
import type { Digest } from '../digest.js';
import { PolicyError } from '../errors.js';
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
  for (const w of writes) {
    if (w.immutable) {
      const now = (await repo.manifests.head(w.tag, signal))?.digest ?? null;
      if (now !== w.previousDigest && now !== digest) {
        throw new PolicyError(
          `${repo}:${w.tag} is immutable and was just set to ${now} by another writer; not overwritten`,
        );
      }
    }
    await repo.manifests.put(w.tag, manifest.bytes, manifest.descriptor.mediaType, signal);
  }
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
