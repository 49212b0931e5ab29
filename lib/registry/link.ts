/**
 * `Link: <url>; rel="next"` pagination (RFC 8288), as used by tag and referrer lists.
 * Reference: distribution-spec v1.1.1 "Listing Tags" (follow Link in preference to `last`).
 *
 * A registry decides how many pages there are, so a listing is bounded here: a next link
 * to a page already read is a loop, and pages, entries and page bytes have caps (docs/faults.md,
 * "Hostile registries and concurrency").
 */
import { ProtocolError } from '../errors.js';
import { redactUrl } from '../transport/endpoint.js';

/**
 * nextLink returns the absolute URL of the next page, or undefined on the last page.
 * A next page on another origin is refused: it would be a way to send this client's
 * credentials elsewhere, and no registry needs it.
 */
export function nextLink(header: string | undefined, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m || !/(?:^|;)\s*rel="?next"?\s*(?:;|$)/i.test(m[2]!)) continue;
    const next = new URL(m[1]!, base);
    if (next.origin !== new URL(base).origin) {
      throw new ProtocolError(
        `the registry's next-page link points to another origin (${next.origin})`,
      );
    }
    return next.toString();
  }
  return undefined;
}

/** PageLimits bounds one paginated listing. */
export interface PageLimits {
  /** Pages read at most, the first included. */
  readonly maxPages: number;
  /** Entries across all pages at most. */
  readonly maxEntries: number;
  /** Body bytes of one page at most. */
  readonly maxPageBytes: number;
}

/**
 * Pager keeps one listing bounded: it counts pages and entries against its limits and
 * refuses a next link to a page already read. Errors are ProtocolError and name `what`.
 */
export class Pager {
  readonly #visited = new Set<string>();
  #pages = 0;
  #entries = 0;

  constructor(
    readonly what: string,
    readonly limits: PageLimits,
  ) {}

  /** count adds a page's entries; past `maxEntries` the listing is refused before use. */
  count(entries: number): void {
    this.#entries += entries;
    if (this.#entries > this.limits.maxEntries) {
      throw new ProtocolError(
        `${this.what}: more than ${this.limits.maxEntries} entries — refusing to read further (a registry paging without end?)`,
      );
    }
  }

  /**
   * next records the page just read — the URL asked for and the URL that answered (after
   * redirects) — and returns the URL of the next one, if any.
   */
  next(requested: string, answered: string, link: string | undefined): string | undefined {
    this.#pages++;
    this.#visited.add(pageKey(new URL(requested, answered)));
    this.#visited.add(pageKey(new URL(answered)));
    const next = nextLink(link, answered);
    if (next === undefined) return undefined;
    if (this.#visited.has(pageKey(new URL(next)))) {
      throw new ProtocolError(
        `${this.what}: the registry's next-page link leads back to a page already read (${redactUrl(next)}) — the listing loops`,
      );
    }
    if (this.#pages >= this.limits.maxPages) {
      throw new ProtocolError(
        `${this.what}: more than ${this.limits.maxPages} pages — refusing to read further (a registry paging without end?)`,
      );
    }
    return next;
  }
}

/** pageKey names the page a URL asks for: the fragment is never sent, so it is dropped. */
function pageKey(u: URL): string {
  u.hash = '';
  return u.toString();
}
