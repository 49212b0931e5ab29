/**
 * Manifests of an OCI image layout. Manifests are blobs too (`blobs/<alg>/<hex>`); a tag
 * is an index.json entry whose `org.opencontainers.image.ref.name` is the tag. Every read
 * is verified against its digest (and, by tag, the size index.json gives); the media type
 * is the manifest's own `mediaType`, or its shape when it has none (umoci omits it).
 */
import type { FetchedManifest, Manifests, PutResult } from '../content/store.js';
import {
  algorithmOf,
  type Digest,
  digestOf,
  isDigest,
  parseDigest,
  verifyBytes,
} from '../digest.js';
import { DigestMismatchError, InvalidReferenceError } from '../errors.js';
import { childrenOf, type Descriptor, MAX_MANIFEST_BYTES, parseManifest } from '../manifest.js';
import { isNonDistributable } from '../media-types.js';
import { isValidTag } from '../reference.js';
import {
  findTag,
  type IndexEntry,
  type LayoutFiles,
  layoutNotFound,
  setTag,
  tagEntry,
} from './files.js';

/** LayoutReference is a checked manifest reference: a digest or a tag. */
export type LayoutReference =
  | { digest: Digest; tag?: undefined }
  | { tag: string; digest?: undefined };

/**
 * checkReference accepts a digest or a tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) and
 * refuses anything else before the layout is looked at.
 */
export function checkReference(reference: string, where: string): LayoutReference {
  if (isDigest(reference)) return { digest: reference };
  if (reference.includes(':')) return { digest: parseDigest(reference) };
  if (!isValidTag(reference)) {
    throw new InvalidReferenceError(
      `invalid tag ${JSON.stringify(reference.slice(0, 100))} for ${where}: tags are 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"`,
    );
  }
  return { tag: reference };
}

/** LayoutManifests is the manifest side of a layout. */
export class LayoutManifests implements Manifests {
  constructor(private readonly files: LayoutFiles) {}

  /**
   * head resolves a tag (index.json) or digest (the blob file, read and verified) to a
   * descriptor, or undefined when absent.
   */
  async head(reference: string, _signal?: AbortSignal): Promise<Descriptor | undefined> {
    const ref = checkReference(reference, this.files.where);
    if (ref.digest !== undefined) return (await this.#byDigest(ref.digest))?.descriptor;
    const entry = findTag(await this.files.readIndex(), ref.tag, this.files.where);
    if (!entry) return undefined;
    const { mediaType, digest, size } = entry.desc;
    return { mediaType, digest, size };
  }

  /** get reads a manifest by tag or digest; the bytes must hash to the digest. */
  async get(reference: string, _signal?: AbortSignal): Promise<FetchedManifest> {
    const ref = checkReference(reference, this.files.where);
    if (ref.digest !== undefined) {
      const found = await this.#byDigest(ref.digest);
      if (!found) {
        throw layoutNotFound(
          this.files.where,
          `manifest ${ref.digest} not found in ${this.files.where}`,
        );
      }
      return found;
    }
    const entry = findTag(await this.files.readIndex(), ref.tag, this.files.where);
    if (!entry) {
      throw layoutNotFound(this.files.where, `${this.files.where}:${ref.tag} not found`);
    }
    return readEntry(this.files, entry, `${this.files.where}:${ref.tag}`);
  }

  /**
   * put stores manifest bytes as a blob (unless present) and, by tag, points the tag's
   * index.json entry at it. Like a registry, it refuses a manifest whose children the
   * layout does not hold (foreign layers and a referrer's subject excepted).
   */
  async put(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    const ref = checkReference(reference, this.files.where);
    const digest = digestOf(bytes, ref.digest !== undefined ? algorithmOf(ref.digest) : 'sha256');
    if (ref.digest !== undefined && ref.digest !== digest) {
      throw new DigestMismatchError(ref.digest, digest, `manifest written as ${ref.digest}`);
    }
    const manifest = parseManifest(bytes, mediaType);
    for (const child of childrenOf(manifest)) {
      if (isNonDistributable(child.mediaType)) continue;
      if ((await this.files.statBlob(child.digest)) === undefined) {
        throw layoutNotFound(
          this.files.where,
          `manifest ${digest} refers to ${child.digest}, which ${this.files.where} does not hold; copy its content first`,
        );
      }
    }
    await this.files.writeBlob(digest, bytes, signal);
    if (ref.tag !== undefined) {
      const desc: Descriptor = {
        mediaType: manifest.mediaType,
        digest,
        size: bytes.byteLength,
        ...(manifest.artifactType !== undefined && { artifactType: manifest.artifactType }),
      };
      const tag = ref.tag;
      await this.files.updateIndex(async (index) => setTag(index, tag, tagEntry(desc, tag)));
    }
    return { digest, subjectIndexed: false };
  }

  async #byDigest(digest: Digest): Promise<FetchedManifest | undefined> {
    const bytes = await this.files.readBlob(digest, MAX_MANIFEST_BYTES);
    if (!bytes) return undefined;
    const what = `manifest ${digest} in ${this.files.where}`;
    verifyBytes(bytes, digest, what);
    const manifest = parseManifest(bytes);
    return {
      descriptor: { mediaType: manifest.mediaType, digest, size: bytes.byteLength },
      bytes,
      manifest,
    };
  }
}

/**
 * readEntry reads the manifest an index.json entry names, verified against the entry's
 * digest and size; the entry's media type must agree with the manifest's own.
 */
export async function readEntry(
  files: LayoutFiles,
  entry: IndexEntry,
  what: string,
): Promise<FetchedManifest> {
  const { digest, size, mediaType } = entry.desc;
  const bytes = await files.readBlob(digest, MAX_MANIFEST_BYTES);
  if (!bytes) {
    throw layoutNotFound(
      files.where,
      `${what} names ${digest}, which ${files.where} does not hold`,
    );
  }
  verifyBytes(bytes, digest, what, size);
  const manifest = parseManifest(bytes, mediaType);
  return { descriptor: { mediaType: manifest.mediaType, digest, size }, bytes, manifest };
}
