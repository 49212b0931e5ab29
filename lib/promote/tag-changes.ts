/**
 * The tags annotation of a ledger entry or record (`dev.oci-promote.tags`, JSON), read as
 * data a registry served: every tag must be a valid tag and every previous digest a valid
 * digest, or the whole list is refused.
 */
import { type Digest, isDigest } from '../digest.js';
import { isValidTag } from '../reference.js';

/** ListedTag is what history needs of one tag change: the tag and where it was before. */
export interface ListedTag {
  tag: string;
  previousDigest: Digest | null;
}

/** tagChangesOf parses the tags annotation; undefined unless every change is well formed. */
export function tagChangesOf(json: string | undefined): ListedTag[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '[]');
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const out: ListedTag[] = [];
  for (const v of value as unknown[]) {
    if (typeof v !== 'object' || v === null) return undefined;
    const { tag, previousDigest } = v as { tag?: unknown; previousDigest?: unknown };
    if (typeof tag !== 'string' || !isValidTag(tag)) return undefined;
    if (
      previousDigest !== null &&
      (typeof previousDigest !== 'string' || !isDigest(previousDigest))
    )
      return undefined;
    out.push({ tag, previousDigest });
  }
  return out;
}
