/**
 * Referrers in an OCI image layout, kept with the distribution-spec tag schema: the
 * referrers of subject `sha256:<hex>` are listed by the image index that index.json names
 * `sha256-<hex>`. A layout has no referrers API (`api` is always false), so the copy
 * engine records every referrer it writes here with addToTagIndex.
 */
import { referrersTag } from '../content/referrers.js';
import type { Referrers } from '../content/store.js';
import { type Digest, digestOf } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { OCI_INDEX } from '../media-types.js';
import { findTag, type IndexFile, type LayoutFiles, setTag, tagEntry } from './files.js';
import { readEntry } from './manifests.js';

/** LayoutReferrers lists and records referrers of a layout's manifests. */
export class LayoutReferrers implements Referrers {
  readonly api = false;

  constructor(private readonly files: LayoutFiles) {}

  /** list returns the referrers of a subject, optionally only those of one artifact type. */
  async list(subject: Digest, artifactType?: string, _signal?: AbortSignal): Promise<Descriptor[]> {
    const all = await this.#read(await this.files.readIndex(), subject);
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }

  /**
   * addToTagIndex lists `desc` in the subject's `sha256-<hex>` index (read, skip when
   * listed, append, write the new index as a blob, repoint the tag), all within one
   * index.json update, so concurrent additions in this process all survive.
   */
  async addToTagIndex(subject: Digest, desc: Descriptor, signal?: AbortSignal): Promise<boolean> {
    const tag = referrersTag(subject);
    const done = await this.files.updateIndex(async (index) => {
      const current = await this.#read(index, subject);
      if (current.some((d) => d.digest === desc.digest)) return false;
      const bytes = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...current, desc] }),
      );
      const digest = digestOf(bytes);
      await this.files.writeBlob(digest, bytes, signal);
      setTag(index, tag, tagEntry({ mediaType: OCI_INDEX, digest, size: bytes.byteLength }, tag));
      return true;
    });
    return done === true;
  }

  async #read(index: IndexFile, subject: Digest): Promise<Descriptor[]> {
    const tag = referrersTag(subject);
    const entry = findTag(index, tag, this.files.where);
    if (!entry) return [];
    const { manifest } = await readEntry(this.files, entry, `${this.files.where}:${tag}`);
    // A fallback tag that is not an index means "no referrers" (distribution-spec).
    return manifest.kind === 'index' ? [...manifest.manifests] : [];
  }
}
