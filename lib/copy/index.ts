/**
 * copy: the public entry point. Resolve the source once, copy the graph by digest,
 * and only then, when the destination names a tag, point that tag at the result.
 *
 * `copy` works on registry references; `copyStores` on any two ContentStores (lib/content)
 * — a registry repository, an OCI image layout directory (lib/layout), or a MemoryStore —
 * in any combination.
 */
import type { ContentStore, FetchedManifest } from '../content/store.js';
import type { Digest } from '../digest.js';
import { UsageError } from '../errors.js';
import { bareNameError, type Reference } from '../reference.js';
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
 * StoreRef names content in a ContentStore: the store (a registry `Repository`, or an
 * `OciLayout` from `openLayout`), and optionally a tag and/or a digest in it.
 */
export interface StoreRef {
  readonly store: ContentStore;
  readonly tag?: string;
  readonly digest?: Digest;
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
  return copyStores(
    { store: client.repository(source), ...tagAndDigest(source) },
    { store: client.repository(destination), ...tagAndDigest(destination) },
    options,
  );
}

/**
 * copyStores copies what `source` names (its digest, else its tag) and everything it
 * refers to from `source.store` into `destination.store`, by digest, verified; then, when
 * `destination.tag` is set, points that tag at the result — last, once everything is in
 * place. A `destination.digest` must equal the digest copied (after any platform filter).
 *
 * Layouts: a layout source named without tag or digest must list exactly one manifest in
 * its index.json (skopeo's rule). A layout destination without a tag gets an index.json
 * entry with no ref name for the copied root, so other tools (and garbage collectors) see
 * it; an entry already listing that digest is left alone.
 *
 * @example
 * ```ts
 * const layout = await openLayout('/media/usb/images', { create: true });
 * await copyStores(
 *   { store: client.repository(parseReference('ghcr.io/o/app')), tag: '1.2.3' },
 *   { store: layout, tag: '1.2.3' },
 * );
 * ```
 */
export async function copyStores(
  source: StoreRef,
  destination: StoreRef,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const { store: src } = source;
  const { store: dst } = destination;
  const root = await resolveSource(source, options.signal);
  if (
    destination.digest !== undefined &&
    !options.platforms?.length &&
    destination.digest !== root.descriptor.digest
  ) {
    throw new UsageError(
      `destination digest ${destination.digest} differs from the source's ${root.descriptor.digest}`,
    );
  }

  const { root: written, ...graph } = await copyGraph(src, root, dst, options, {
    ...(destination.digest && { digest: destination.digest }),
  });
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
  } else if (!options.dryRun) {
    await dst.keepUntagged?.(written.descriptor);
  }
  return {
    source: src.describe(source.tag, root.descriptor.digest),
    destination: dst.describe(destination.tag, graph.digest),
    ...graph,
    ...(tag && { tag }),
    dryRun: options.dryRun === true,
  };
}

/** resolveSource fetches the manifest the source names: digest, else tag, else a layout's only one. */
async function resolveSource(source: StoreRef, signal?: AbortSignal): Promise<FetchedManifest> {
  const { store } = source;
  let reference: string | undefined = source.digest ?? source.tag;
  if (reference === undefined) {
    if (!store.soleManifest) throw bareNameError(String(store));
    reference = (await store.soleManifest()).digest;
  }
  return store.manifests.get(reference, signal);
}

function tagAndDigest(ref: Reference): { tag?: string; digest?: Digest } {
  return {
    ...(ref.tag !== undefined && { tag: ref.tag }),
    ...(ref.digest !== undefined && { digest: ref.digest }),
  };
}
