/**
 * The journal: every history record, and every list of records a prune dropped, is
 * stored under a tag of its own, `oci-promote-history.<UTC time>.<16 hex of its digest>`
 * (e.g. `oci-promote-history.20261201T131730123Z.3f9a0c1d2e4b5a69`). A manifest PUT by
 * that tag stores and tags it at once; names never repeat, so concurrent writers never
 * overwrite one another and the registry's tag list is the complete journal. The ledger
 * index (ledger.ts) is a cache of it.
 */
import { algorithmOf, type Digest, hexOf } from '../digest.js';

/** JOURNAL_PREFIX starts every journal tag (the ledger tag followed by a dot). */
export const JOURNAL_PREFIX = 'oci-promote-history.';

/** A journal tag, parsed: when it was written and the digest prefix it names. */
export interface JournalTag {
  readonly tag: string;
  /** `20261201T131730123Z` */
  readonly time: string;
  /** `sha256:` and the first 16 hex digits of the manifest's digest. */
  readonly prefix: string;
}

const PATTERN = /^oci-promote-history\.(\d{8}T\d{9}Z)\.([0-9a-f]{16})$/;

/** journalTag names the tag of a manifest written at `time` (sha256 digests only). */
export function journalTag(time: Date, digest: Digest): string {
  if (algorithmOf(digest) !== 'sha256') {
    throw new TypeError(`journal entries are sha256 manifests, got ${digest}`);
  }
  const stamp = time.toISOString().replace(/[-:.]/g, '');
  return `${JOURNAL_PREFIX}${stamp}.${hexOf(digest).slice(0, 16)}`;
}

/** parseJournalTag reads a journal tag; any other tag is undefined. */
export function parseJournalTag(tag: string): JournalTag | undefined {
  const m = PATTERN.exec(tag);
  return m ? { tag, time: m[1]!, prefix: `sha256:${m[2]!}` } : undefined;
}

/** prefixOf is the digest prefix a journal tag of `digest` carries. */
export function prefixOf(digest: Digest): string {
  return digest.slice(0, 'sha256:'.length + 16);
}
