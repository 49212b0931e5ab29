/**
 * ContentStore is the storage seam: what the copy engine, verify and the promotion records
 * need of a place that holds images. Two backends implement it side by side — a registry
 * repository (lib/registry: Repository with RegistryManifests, RegistryBlobs,
 * RegistryReferrers) and an OCI image layout directory (lib/layout: OciLayout) — and a
 * third lives here (memory.ts: MemoryStore). Keeping the engine on this seam (regclient's
 * `scheme.API`, oras-go's `content.Storage`) lets one engine copy between any two.
 *
 * The core every backend has: fetch (`manifests.get`, `blobs.get`), push (`manifests.put`
 * by digest, `blobs.upload`), exists (`manifests.head`, `blobs.stat`), resolve
 * (`manifests.head` of a tag), tag (`manifests.put` by tag), list tags, and list
 * referrers. What only some backends can do is a capability of its own, found with a type
 * guard rather than by probing for optional methods: range reads (canReadRanges), uploads
 * that re-read their source to resume or switch to chunks (canResumeUploads), and mounts
 * (canMount). A mount owns its fallback: when the backend refuses to link the blob it
 * uploads it itself, so nothing backend-specific (a registry's upload session) crosses
 * the seam.
 *
 * Errors are backend-neutral where the condition is: absent content is NotFoundError
 * (ERR_NOT_FOUND; a registry's also carries its HTTP status and method, a layout's does
 * not), bytes that do not match their digest are IntegrityErrors.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { Descriptor, Manifest } from '../manifest.js';

/** FetchedManifest is a manifest with the exact bytes it was read from. */
export interface FetchedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly manifest: Manifest;
}

/** PutResult tells what the store did with a pushed manifest. */
export interface PutResult {
  readonly digest: Digest;
  /** True when the store said (a registry's OCI-Subject) it indexed the subject for referrers. */
  readonly subjectIndexed: boolean;
}

/** Manifests reads and writes manifests by tag or digest. */
export interface Manifests {
  /** head resolves a tag or digest to a descriptor; undefined when absent. */
  head(reference: string, signal?: AbortSignal): Promise<Descriptor | undefined>;
  /** get fetches a manifest; by digest its bytes must hash to it. Absent: NotFoundError. */
  get(reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  /** put stores manifest bytes under their digest, or under a tag (which moves the tag). */
  put(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<PutResult>;
}

/** Blobs reads and writes blobs by digest. */
export interface Blobs {
  /** stat tells whether the store has a blob, and its size when known. */
  stat(digest: Digest, signal?: AbortSignal): Promise<{ size?: number } | undefined>;
  /** get streams a blob, verifying size and digest as it goes. Absent: NotFoundError. */
  get(
    desc: Descriptor,
    signal?: AbortSignal,
    onProgress?: (received: number) => void,
  ): Promise<Readable>;
  /** upload stores a blob; the body is read once. A failed upload leaves nothing behind. */
  upload(desc: Descriptor, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void>;
}

/**
 * BlobSource is a blob that can be read more than once: whole and verified (for a
 * monolithic upload), or from an offset (to resume a chunked upload).
 */
export interface BlobSource {
  readonly descriptor: Descriptor;
  /** open streams the whole blob, verifying size and digest as it goes. */
  open(signal?: AbortSignal): Promise<Readable>;
  /**
   * openAt streams the blob's bytes from `offset`, unverified (the reader hashes them).
   * `start` is where the stream really begins: `offset`, or 0 when the source sent the
   * whole blob instead of the range.
   */
  openAt(offset: number, signal?: AbortSignal): Promise<{ body: Readable; start: number }>;
}

/** PushOptions tunes an upload from a BlobSource. */
export interface PushOptions {
  signal?: AbortSignal;
  /** Upload blobs larger than this in chunks of this many bytes, where the backend chunks. */
  chunkSize?: number;
  /** Pacing of resumes of a broken chunk (retries without progress, backoff). */
  retry?: { retries?: number; minDelay?: number; maxDelay?: number; maxRetryAfter?: number };
  /** Called before a broken chunk is resumed. */
  onResume?: (info: { error: Error; attempt: number }) => void;
  /** Bytes stored so far. */
  onProgress?: (bytes: number) => void;
}

/** RangeReads: blobs that can be read from an offset (a Range GET, a seek). */
export interface RangeReads {
  /**
   * getFrom streams a blob from `offset`, unverified (the reader hashes); `start` is where
   * the stream really begins (0 when the backend sent the whole blob).
   */
  getFrom(
    desc: Descriptor,
    offset: number,
    signal?: AbortSignal,
  ): Promise<{ body: Readable; start: number }>;
}

/**
 * ResumableUploads: blobs stored from a source the backend may read again — to resume a
 * broken chunk, or to switch to chunks when a whole upload is refused.
 */
export interface ResumableUploads {
  uploadFrom(desc: Descriptor, source: BlobSource, options?: PushOptions): Promise<void>;
}

/** Mounts: blobs that can be linked from another repository of the same host. */
export interface Mounts {
  /**
   * mount makes a blob present by linking it from repository `from` of the same
   * `ContentStore.registry`; when the backend refuses, it uploads `source` itself (into
   * whatever the refusal left open) and says 'uploaded'.
   */
  mount(
    desc: Descriptor,
    from: string,
    source: BlobSource,
    options?: PushOptions,
  ): Promise<'mounted' | 'uploaded'>;
}

/** canReadRanges tells whether a backend's blobs can be read from an offset. */
export function canReadRanges<B extends Blobs>(blobs: B): blobs is B & RangeReads {
  return typeof (blobs as Partial<RangeReads>).getFrom === 'function';
}

/** canResumeUploads tells whether a backend's blobs upload from a re-readable source. */
export function canResumeUploads<B extends Blobs>(blobs: B): blobs is B & ResumableUploads {
  return typeof (blobs as Partial<ResumableUploads>).uploadFrom === 'function';
}

/** canMount tells whether a backend's blobs can be mounted across repositories. */
export function canMount<B extends Blobs>(blobs: B): blobs is B & Mounts {
  return typeof (blobs as Partial<Mounts>).mount === 'function';
}

/** Referrers lists and records the referrers of a subject. */
export interface Referrers {
  /** True/false once known whether the store indexes referrers itself (the referrers API). */
  readonly api: boolean | undefined;
  list(subject: Digest, artifactType?: string, signal?: AbortSignal): Promise<Descriptor[]>;
  /** addToTagIndex lists `desc` in the subject's tag-schema index; false when already listed. */
  addToTagIndex(subject: Digest, desc: Descriptor, signal?: AbortSignal): Promise<boolean>;
}

/** ContentStore is a repository-like holder of content. */
export interface ContentStore {
  /** Where it is: a registry host, or `oci-layout:<path>` (same value = mounts possible). */
  readonly registry: string;
  /** The repository name within `registry`. */
  readonly name: string;
  readonly manifests: Manifests;
  readonly blobs: Blobs;
  readonly referrers: Referrers;
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
