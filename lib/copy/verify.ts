/**
 * verify: does a reference resolve to the expected digest, and (deep) is every manifest
 * and blob it refers to present and intact in the repository?
 */
import type { ContentStore, FetchedManifest } from '../content/store.js';
import type { Digest } from '../digest.js';
import { isOciPromoteError, NotFoundError } from '../errors.js';
import { childrenOf, type Descriptor, type Manifest } from '../manifest.js';
import { isNonDistributable } from '../media-types.js';
import { formatReference, manifestReference, type Reference } from '../reference.js';
import { limiter } from './limit.js';

/** VerifyOptions tunes verify. */
export interface VerifyOptions {
  /** The digest the reference must resolve to. */
  digest?: Digest;
  /** Check every child manifest (fetched and hashed) and every blob (present, right size). */
  deep?: boolean;
  /** Checks at once (default 4). */
  jobs?: number;
  signal?: AbortSignal;
}

/** VerifyResult follows the CLI's `--json` contract. */
export interface VerifyResult {
  reference: string;
  /** What the reference resolved to, or null when it does not exist. */
  digest: Digest | null;
  ok: boolean;
  /** Digests that are absent, do not hash to themselves, or have the wrong size. */
  missing: string[];
  /** Why the check failed, in one line; absent when ok. */
  reason?: string;
}

/** verify checks a reference in a repository without writing anything. */
export async function verify(
  repo: ContentStore,
  ref: Reference,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const reference = formatReference(ref);
  const target = manifestReference(ref);
  // The digest is the hash of the bytes fetched, never a header's word for it.
  let root: FetchedManifest;
  try {
    root = await repo.manifests.get(target, options.signal);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    return {
      reference,
      digest: null,
      ok: false,
      missing: [target],
      reason: `${reference} does not exist`,
    };
  }
  const head = root.descriptor;
  if (options.digest !== undefined && head.digest !== options.digest) {
    return {
      reference,
      digest: head.digest,
      ok: false,
      missing: [],
      reason: `${reference} is ${head.digest}, expected ${options.digest}`,
    };
  }
  const missing = options.deep ? await deepCheck(repo, root, options) : [];
  return {
    reference,
    digest: head.digest,
    ok: missing.length === 0,
    missing,
    ...(missing.length > 0 && {
      reason: `${missing.length} item(s) missing or damaged under ${reference}`,
    }),
  };
}

async function deepCheck(
  repo: ContentStore,
  root: FetchedManifest,
  options: VerifyOptions,
): Promise<string[]> {
  const limit = limiter(options.jobs ?? 4);
  const seen = new Set<Digest>([root.descriptor.digest]);
  const missing: string[] = [];
  const visit = async (desc: Descriptor, isManifest: boolean): Promise<void> => {
    if (seen.has(desc.digest) || isNonDistributable(desc.mediaType)) return;
    seen.add(desc.digest);
    if (!isManifest) {
      const stat = await limit(() => repo.blobs.stat(desc.digest, options.signal));
      if (!stat || (stat.size !== undefined && stat.size !== desc.size)) missing.push(desc.digest);
      return;
    }
    let manifest: Manifest;
    try {
      ({ manifest } = await limit(() => repo.manifests.get(desc.digest, options.signal)));
    } catch (e) {
      // Absent, or bytes that do not hash to their digest: either way not intact.
      if (e instanceof NotFoundError || (isOciPromoteError(e) && e.category === 'integrity')) {
        missing.push(desc.digest);
        return;
      }
      throw e;
    }
    await visitChildren(manifest);
  };
  const visitChildren = (manifest: Manifest) =>
    Promise.all(childrenOf(manifest).map((c) => visit(c, manifest.kind === 'index')));
  await visitChildren(root.manifest);
  return missing;
}
