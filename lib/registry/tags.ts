/**
 * Tag listing with pagination, streamed: each page's tags are handed out before the next
 * page is asked for, so a caller that prints or filters them holds one page at a time.
 * Reference: distribution-spec v1.1.1 "Listing Tags".
 */
import { ProtocolError } from '../errors.js';
import { isValidTag } from '../reference.js';
import { type RepoContext, readJson } from './context.js';
import { type PageLimits, Pager } from './link.js';

const pageSize = 1000;

/**
 * TAG_LIST_LIMITS bound one tag listing. A registry that caps `n` at 100 (Docker Hub)
 * still lists a million tags within the page cap; 8 MiB holds about 200,000 tags of
 * typical length, for registries that ignore `n` and answer in one page.
 */
export const TAG_LIST_LIMITS: PageLimits = {
  maxPages: 10_000,
  maxEntries: 1_000_000,
  maxPageBytes: 8 * 1024 * 1024,
};

/**
 * listTagPages yields the tags of the repository page by page, as the registry sends
 * them, following `Link` pages. A next link that loops, or a listing past `limits`, ends
 * it with a ProtocolError. Entries that are not tags by the distribution grammar are
 * skipped with a warning: no caller can build a request path, or print a line, from them.
 */
export async function* listTagPages(
  ctx: RepoContext,
  signal?: AbortSignal,
  limits: PageLimits = TAG_LIST_LIMITS,
): AsyncGenerator<string[]> {
  const what = `tag list of ${ctx.registry}/${ctx.name}`;
  const pager = new Pager(what, limits);
  let path: string | undefined = ctx.path(`tags/list?n=${pageSize}`);
  while (path) {
    const res = await ctx.send({
      method: 'GET',
      path,
      scopes: [ctx.pull],
      expect: [200],
      what: `list tags of ${ctx.registry}/${ctx.name}`,
      // Read inside the transport's retry loop: a page that breaks off is retried.
      read: { limit: limits.maxPageBytes },
      ...(signal && { signal }),
    });
    const page = (await readJson(res, limits.maxPageBytes, what)) as { tags?: unknown } | null;
    const tags = page?.tags;
    // distribution answers `"tags": null` for a repository whose tags were all deleted.
    if (tags !== null && tags !== undefined && !Array.isArray(tags)) {
      throw new ProtocolError(`${what} is not a list`);
    }
    const entries = (tags ?? []) as unknown[];
    pager.count(entries.length);
    const names = entries.filter((t): t is string => typeof t === 'string' && isValidTag(t));
    if (names.length < entries.length) {
      ctx.logger.warn(
        { skipped: entries.length - names.length },
        `${what}: skipped entries that are not valid tags`,
      );
    }
    if (names.length > 0) yield names;
    path = pager.next(path, res.url, res.header('link'));
  }
}

/** listTags yields every tag of the repository, one by one (see listTagPages). */
export async function* listTags(
  ctx: RepoContext,
  signal?: AbortSignal,
  limits: PageLimits = TAG_LIST_LIMITS,
): AsyncGenerator<string> {
  for await (const page of listTagPages(ctx, signal, limits)) yield* page;
}
