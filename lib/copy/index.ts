/**
 * copy: the public entry point. Resolve the source once, copy the graph by digest,
 * and only then, when the destination names a tag, point that tag at the result.
 */
import type { Digest } from '../digest.js';
import { UsageError } from '../errors.js';
import { formatReference, type Reference, withDigest } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import { type CopyOptions, type CopyStats, copyGraph } from './copy.js';
import type { CopiedReferrer } from './referrers.js';

export type { CopyEvent, CopyEventListener } from './events.js';
export type { CopiedReferrer } from './referrers.js';
export type { CopyOptions, CopyStats };

/** TagUpdate says what happened to a destination tag. */
export interface TagUpdate {
  tag: string;
  action: 'created' | 'moved' | 'unchanged';
  previousDigest: Digest | null;
}

/** CopyResult is the outcome of `copy`; field names follow the CLI's `--json` contract. */
export interface CopyResult extends CopyStats {
  source: string;
  destination: string;
  digest: Digest;
  mediaType: string;
  size: number;
  /** The source digest when a platform filter made a new index. */
  filteredFrom?: Digest;
  referrers: CopiedReferrer[];
  /** The destination tag, when one was given. */
  tag?: TagUpdate;
  dryRun: boolean;
}

/**
 * copy copies an image, index or artifact from `source` (which names a tag or digest)
 * to `destination`. A destination tag is written last; without one the copy is by
 * digest only. A destination digest must equal what is copied.
 */
export async function copy(
  client: RegistryClient,
  source: Reference,
  destination: Reference,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const reference = source.digest ?? source.tag;
  if (reference === undefined) {
    throw new UsageError(`source ${formatReference(source)} needs a tag or a digest`);
  }
  const src = client.repository(source);
  const dst = client.repository(destination);
  const root = await src.manifests.get(reference, options.signal);
  if (
    destination.digest !== undefined &&
    !options.platforms?.length &&
    destination.digest !== root.descriptor.digest
  ) {
    throw new UsageError(
      `destination digest ${destination.digest} differs from the source's ${root.descriptor.digest}`,
    );
  }

  const { root: written, ...graph } = await copyGraph(src, root, dst, options, destination.digest);
  let tag: TagUpdate | undefined;
  if (destination.tag !== undefined) {
    const current = await dst.manifests.head(destination.tag, options.signal);
    const previousDigest = current?.digest ?? null;
    if (previousDigest === graph.digest) {
      tag = { tag: destination.tag, action: 'unchanged', previousDigest };
    } else {
      if (!options.dryRun) {
        await dst.manifests.put(destination.tag, written.bytes, graph.mediaType, options.signal);
      }
      tag = { tag: destination.tag, action: current ? 'moved' : 'created', previousDigest };
    }
  }
  return {
    source: formatReference({ ...source, digest: root.descriptor.digest }),
    destination: formatReference({
      ...withDigest(destination, graph.digest),
      ...(destination.tag && { tag: destination.tag }),
    }),
    ...graph,
    ...(tag && { tag }),
    dryRun: options.dryRun === true,
  };
}
