/**
 * Store is what the copy engine needs of a place that holds images: a repository of a
 * registry (Repository), or an OCI image layout on disk. Keeping the engine on this
 * seam (regclient's `scheme.API`, oras-go's `content.Storage`) lets one engine copy
 * registry → registry, registry → layout and layout → registry.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import type { BlobSource, MountResult, UploadOptions, UploadSession } from './blobs.js';
import type { FetchedManifest, PutResult } from './manifests.js';

/** ManifestAccess reads and writes manifests by tag or digest. */
export interface ManifestAccess {
  head(reference: string, signal?: AbortSignal): Promise<Descriptor | undefined>;
  get(reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  put(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<PutResult>;
}

/** BlobAccess reads and writes blobs by digest. */
export interface BlobAccess {
  stat(digest: Digest, signal?: AbortSignal): Promise<{ size?: number } | undefined>;
  /** get streams a blob, verifying size and digest as it goes. */
  get(
    desc: Descriptor,
    signal?: AbortSignal,
    onProgress?: (received: number) => void,
  ): Promise<Readable>;
  /**
   * upload stores a blob; the body is read once. `session`, when given, is one the store
   * opened before (a refused mount). A failed upload leaves nothing behind.
   */
  upload(
    desc: Descriptor,
    body: Readable | Uint8Array,
    signal?: AbortSignal,
    session?: UploadSession,
  ): Promise<void>;
  /**
   * getFrom streams a blob from `offset`, unverified (the reader hashes), where the store
   * can seek; `start` is where the stream really begins (0 when it sent the whole blob).
   * Lets a broken chunked upload resume without reading the blob again from the start.
   */
  getFrom?(
    desc: Descriptor,
    offset: number,
    signal?: AbortSignal,
  ): Promise<{ body: Readable; start: number }>;
  /**
   * uploadFrom stores a blob it may read again (to resume a broken chunk, or to switch to
   * chunks when a monolithic upload is refused). Stores without it get `upload`.
   */
  uploadFrom?(desc: Descriptor, source: BlobSource, options?: UploadOptions): Promise<void>;
  /** mount links a blob from another repository of the same registry, where supported. */
  mount?(digest: Digest, from: string, signal?: AbortSignal): Promise<MountResult>;
  /** cancelUpload abandons a session a refused mount opened, when it is not used. */
  cancelUpload?(session: UploadSession): Promise<void>;
}

/** ReferrerAccess lists and records referrers. */
export interface ReferrerAccess {
  /** True/false once known whether referrers are indexed by the store itself. */
  readonly api: boolean | undefined;
  list(subject: Digest, artifactType?: string, signal?: AbortSignal): Promise<Descriptor[]>;
  addToTagIndex(subject: Digest, desc: Descriptor, signal?: AbortSignal): Promise<boolean>;
}

/** Store is a repository-like holder of content. */
export interface Store {
  /** Where it is: a registry host, or `oci-layout:<path>` (same value = mounts possible). */
  readonly registry: string;
  /** The repository name within `registry`. */
  readonly name: string;
  readonly manifests: ManifestAccess;
  readonly blobs: BlobAccess;
  readonly referrers: ReferrerAccess;
  listTags(signal?: AbortSignal): Promise<string[]>;
  /** describe renders a tag and/or digest in this store the way users write it. */
  describe(tag?: string, digest?: Digest): string;
  /**
   * soleManifest, for stores that allow naming no tag or digest (a layout, like skopeo's
   * `oci:<dir>`): the one manifest the store lists.
   */
  soleManifest?(): Promise<Descriptor>;
  /**
   * keepUntagged, for stores that forget untagged content (a layout's index.json): keep a
   * manifest copied without a tag reachable.
   */
  keepUntagged?(desc: Descriptor): Promise<unknown>;
  toString(): string;
}
