/**
 * Tag listing with pagination.
 * Reference: distribution-spec v1.1.1 "Listing Tags".
 */
import { ProtocolError } from '../errors.js';
import { type RepoContext, readJson } from './context.js';
import { nextLink } from './link.js';

const pageSize = 1000;
const maxPageBytes = 8 * 1024 * 1024;

/** listTags yields every tag of the repository, following `Link` pages. */
export async function* listTags(ctx: RepoContext, signal?: AbortSignal): AsyncGenerator<string> {
  let path: string | undefined = ctx.path(`tags/list?n=${pageSize}`);
  while (path) {
    const res = await ctx.send({
      method: 'GET',
      path,
      scopes: [ctx.pull],
      expect: [200],
      what: `list tags of ${ctx.registry}/${ctx.name}`,
      ...(signal && { signal }),
    });
    const page = (await readJson(res, maxPageBytes, `tag list of ${ctx.name}`)) as {
      tags?: unknown;
    };
    // distribution answers `"tags": null` for a repository whose tags were all deleted.
    if (page.tags !== null && page.tags !== undefined && !Array.isArray(page.tags)) {
      throw new ProtocolError(`tag list of ${ctx.name} is not a list`);
    }
    for (const tag of (page.tags ?? []) as unknown[]) {
      if (typeof tag === 'string') yield tag;
    }
    path = nextLink(res.header('link'), res.url);
  }
}
