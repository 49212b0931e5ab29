/**
 * What a set of manifests reaches in one repository: the children of indexes (nested
 * indexes too) and, optionally, the referrers of everything reached (signatures, SBOMs,
 * history records), walked with a visited set so a cycle ends. Retention keeps all of it.
 */
import { limiter } from '../copy/limit.js';
import type { Digest } from '../digest.js';
import { NotFoundError } from '../errors.js';
import type { Repository } from '../registry/repository.js';

/** ReachOptions says what to follow. */
export interface ReachOptions {
  /** Follow referrers (API or tag-schema fallback) as well as index children. */
  referrers: boolean;
  /** Requests at once (default 4). */
  jobs?: number;
  signal?: AbortSignal;
}

/**
 * reachable returns `roots` and everything they reach; `seen` (when given) is extended in
 * place and what it already holds is not walked again. An absent manifest is a leaf; any
 * other failure to read one throws, so retention never guesses what an index holds.
 */
export async function reachable(
  repo: Repository,
  roots: Iterable<Digest>,
  options: ReachOptions,
  seen: Set<Digest> = new Set(),
): Promise<Set<Digest>> {
  const limit = limiter(options.jobs ?? 4);
  const next = async (digest: Digest): Promise<Digest[]> => {
    const out: Digest[] = [];
    try {
      const { manifest } = await repo.manifests.get(digest, options.signal);
      if (manifest.kind === 'index') out.push(...manifest.manifests.map((c) => c.digest));
    } catch (e) {
      if (e instanceof NotFoundError) return out;
      throw e;
    }
    if (options.referrers) {
      for (const r of await repo.referrers.list(digest, undefined, options.signal)) {
        out.push(r.digest);
      }
    }
    return out;
  };
  const visit = async (digest: Digest): Promise<void> => {
    if (seen.has(digest)) return;
    seen.add(digest);
    const found = await limit(() => next(digest));
    await Promise.all(found.map(visit));
  };
  await Promise.all([...roots].map(visit));
  return seen;
}
