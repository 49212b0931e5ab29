/**
 * `Link: <url>; rel="next"` pagination (RFC 8288), as used by tag and referrer lists.
 * Reference: distribution-spec v1.1.1 "Listing Tags" (follow Link in preference to `last`).
 */
import { ProtocolError } from '../errors.js';

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
