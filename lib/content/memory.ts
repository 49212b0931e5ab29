/**
 * MemoryStore: a ContentStore held in memory. A real backend, not a stand-in: it verifies
 * what it stores (digest and size of every blob, the digest of every manifest), refuses a
 * manifest whose children it does not hold (as registries and layouts do), lists
 * referrers by their `subject` like a registry with the referrers API (or, with
 * `referrersApi: false`, only through the tag schema), and mounts between repositories of
 * one MemoryHost. Library callers use it to stage or inspect content without a registry
 * or a disk; the copy engine's unit tests (lib/copy/copy.test.ts) run on it in milliseconds.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  algorithmOf,
  type Digest,
  digestOf,
  isDigest,
  parseDigest,
  VerifyingStream,
  verifyBytes,
} from '../digest.js';
import {
  DigestMismatchError,
  InvalidReferenceError,
  NotFoundError,
  SizeMismatchError,
} from '../errors.js';
import { childrenOf, type Descriptor, parseManifest } from '../manifest.js';
import { isNonDistributable, OCI_INDEX } from '../media-types.js';
import { formatReference, isValidTag } from '../reference.js';
import { referrerDescriptor, referrersTag } from './referrers.js';
import type {
  BlobSource,
  Blobs,
  ContentStore,
  FetchedManifest,
  Manifests,
  Mounts,
  PushOptions,
  PutResult,
  RangeReads,
  Referrers,
} from './store.js';

let hosts = 0;

/**
 * MemoryHost is a registry in memory: its repositories can mount blobs from each other.
 * Hosts are told apart by name (the stores' `registry`), which is unique unless given.
 */
export class MemoryHost {
  readonly #repositories = new Map<string, MemoryStore>();

  constructor(
    /** The host's name, the stores' `registry`. */
    readonly name = `memory-${++hosts}`,
    private readonly options: MemoryStoreOptions = {},
  ) {}

  /** repository returns the store named `name`, creating it empty on first use. */
  repository(name: string): MemoryStore {
    let store = this.#repositories.get(name);
    if (!store) {
      store = new MemoryStore(name, this, this.options);
      this.#repositories.set(name, store);
    }
    return store;
  }

  /** find returns a repository only if it exists. */
  find(name: string): MemoryStore | undefined {
    return this.#repositories.get(name);
  }
}

/** MemoryStoreOptions says how a MemoryStore behaves. */
export interface MemoryStoreOptions {
  /**
   * Index referrers by `subject` (a registry with the referrers API; the default). When
   * false, referrers are only found through the tag schema, as in a layout.
   */
  referrersApi?: boolean;
}

/** memoryStore makes one repository on a host of its own. */
export function memoryStore(name = 'repo', options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryHost(undefined, options).repository(name);
}

/** MemoryStore is one repository in memory. */
export class MemoryStore implements ContentStore {
  readonly blobs: MemoryBlobs;
  readonly manifests: MemoryManifests;
  readonly referrers: MemoryReferrers;

  /** Use MemoryHost.repository or memoryStore. */
  constructor(
    readonly name: string,
    readonly host: MemoryHost,
    options: MemoryStoreOptions = {},
  ) {
    this.blobs = new MemoryBlobs(this);
    this.manifests = new MemoryManifests(this, options.referrersApi !== false);
    this.referrers = new MemoryReferrers(this, options.referrersApi !== false);
  }

  get registry(): string {
    return this.host.name;
  }

  async listTags(_signal?: AbortSignal): Promise<string[]> {
    return this.manifests.tags();
  }

  /** describe renders `host/name[:tag][@digest]`. */
  describe(tag?: string, digest?: Digest): string {
    return formatReference({
      registry: this.registry,
      repository: this.name,
      ...(tag !== undefined && { tag }),
      ...(digest !== undefined && { digest }),
    });
  }

  toString(): string {
    return `${this.registry}/${this.name}`;
  }
}

/** MemoryBlobs holds verified blobs by digest; reads from an offset and mounts too. */
export class MemoryBlobs implements Blobs, RangeReads, Mounts {
  readonly #data = new Map<Digest, Buffer>();

  constructor(private readonly store: MemoryStore) {}

  async stat(digest: Digest, signal?: AbortSignal): Promise<{ size: number } | undefined> {
    signal?.throwIfAborted();
    const bytes = this.#data.get(parseDigest(digest));
    return bytes && { size: bytes.byteLength };
  }

  /** get streams a blob through a VerifyingStream (size and digest checked as it is read). */
  async get(
    desc: Descriptor,
    signal?: AbortSignal,
    onProgress?: (received: number) => void,
  ): Promise<Readable> {
    const what = `blob ${desc.digest} in ${this.store}`;
    const bytes = this.#read(desc, what, signal);
    const verifier = new VerifyingStream(desc.digest, desc.size, what, onProgress);
    pipeline(
      Readable.from([bytes], { objectMode: false, ...(signal && { signal }) }),
      verifier,
    ).catch(() => {});
    return verifier;
  }

  /** getFrom streams a blob from `offset`, unverified (the reader hashes). */
  async getFrom(
    desc: Descriptor,
    offset: number,
    signal?: AbortSignal,
  ): Promise<{ body: Readable; start: number }> {
    const what = `blob ${desc.digest} in ${this.store}`;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > desc.size) {
      throw new RangeError(`${what}: offset ${offset} is outside 0..${desc.size}`);
    }
    const bytes = this.#read(desc, what, signal);
    return { body: Readable.from([bytes.subarray(offset)], { objectMode: false }), start: offset };
  }

  /** upload reads the whole body, and stores it only when size and digest match. */
  async upload(desc: Descriptor, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    const digest = parseDigest(desc.digest);
    let bytes: Buffer;
    if (body instanceof Uint8Array) {
      bytes = Buffer.from(body);
    } else {
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of body) {
        signal?.throwIfAborted();
        length += (chunk as Buffer).byteLength;
        if (length > desc.size) {
          body.destroy();
          throw new SizeMismatchError(desc.size, length, `blob ${digest} written to ${this.store}`);
        }
        chunks.push(chunk as Buffer);
      }
      bytes = Buffer.concat(chunks);
    }
    signal?.throwIfAborted();
    verifyBytes(bytes, digest, `blob ${digest} written to ${this.store}`, desc.size);
    this.#data.set(digest, bytes);
  }

  /**
   * mount links a blob from repository `from` of the same MemoryHost; when that repository
   * does not hold it, the blob is uploaded from `source`.
   */
  async mount(
    desc: Descriptor,
    from: string,
    source: BlobSource,
    options: PushOptions = {},
  ): Promise<'mounted' | 'uploaded'> {
    const digest = parseDigest(desc.digest);
    if (this.#data.get(digest)?.byteLength === desc.size) return 'mounted';
    const other = this.store.host.find(from)?.blobs.bytes(digest);
    if (other && other.byteLength === desc.size) {
      this.#data.set(digest, other);
      return 'mounted';
    }
    await this.upload(desc, await source.open(options.signal), options.signal);
    return 'uploaded';
  }

  /** bytes returns a stored blob's bytes (for a mount, and for callers looking inside). */
  bytes(digest: Digest): Buffer | undefined {
    return this.#data.get(digest);
  }

  #read(desc: Descriptor, what: string, signal?: AbortSignal): Buffer {
    signal?.throwIfAborted();
    const bytes = this.#data.get(parseDigest(desc.digest));
    if (!bytes)
      throw new NotFoundError({
        url: this.store.describe(undefined, desc.digest),
        message: `${what} not found`,
      });
    if (bytes.byteLength !== desc.size)
      throw new SizeMismatchError(desc.size, bytes.byteLength, what);
    return bytes;
  }
}

interface StoredManifest {
  readonly bytes: Buffer;
  readonly fetched: FetchedManifest;
}

/** MemoryManifests holds manifests by digest, and tags pointing at them. */
export class MemoryManifests implements Manifests {
  readonly #byDigest = new Map<Digest, StoredManifest>();
  readonly #tags = new Map<string, Digest>();

  constructor(
    private readonly store: MemoryStore,
    private readonly indexesSubjects: boolean,
  ) {}

  async head(reference: string, signal?: AbortSignal): Promise<Descriptor | undefined> {
    return this.#find(reference, signal)?.fetched.descriptor;
  }

  async get(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const found = this.#find(reference, signal);
    if (!found) {
      const where = `${this.store}${isDigest(reference) ? '@' : ':'}${reference}`;
      throw new NotFoundError({ url: where, message: `${where} not found` });
    }
    return found.fetched;
  }

  /**
   * put stores a manifest under its digest and, by tag, points the tag at it. Like a
   * registry, it refuses a manifest whose children it does not hold (foreign layers and
   * a referrer's subject excepted).
   */
  async put(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    const byDigest = checkReference(reference, `${this.store}`);
    signal?.throwIfAborted();
    const digest = digestOf(bytes, byDigest ? algorithmOf(reference as Digest) : 'sha256');
    if (byDigest && reference !== digest) {
      throw new DigestMismatchError(reference, digest, `manifest written as ${reference}`);
    }
    const copy = Buffer.from(bytes);
    const manifest = parseManifest(copy, mediaType);
    for (const child of childrenOf(manifest)) {
      if (isNonDistributable(child.mediaType)) continue;
      const held =
        manifest.kind === 'index'
          ? this.#byDigest.has(child.digest)
          : (await this.store.blobs.stat(child.digest)) !== undefined;
      if (!held) {
        throw new NotFoundError({
          url: `${this.store}@${child.digest}`,
          message: `manifest ${digest} refers to ${child.digest}, which ${this.store} does not hold; copy its content first`,
        });
      }
    }
    this.#byDigest.set(digest, {
      bytes: copy,
      fetched: {
        descriptor: { mediaType: manifest.mediaType, digest, size: copy.byteLength },
        bytes: copy,
        manifest,
      },
    });
    if (!byDigest) this.#tags.set(reference, digest);
    return { digest, subjectIndexed: this.indexesSubjects && manifest.subject !== undefined };
  }

  /** tags lists the tags, in the order they were first written. */
  tags(): string[] {
    return [...this.#tags.keys()];
  }

  /** all lists every manifest held, in the order first written. */
  all(): FetchedManifest[] {
    return [...this.#byDigest.values()].map((m) => m.fetched);
  }

  #find(reference: string, signal?: AbortSignal): StoredManifest | undefined {
    const byDigest = checkReference(reference, `${this.store}`);
    signal?.throwIfAborted();
    const digest = byDigest ? (reference as Digest) : this.#tags.get(reference);
    return digest && this.#byDigest.get(digest);
  }
}

/** MemoryReferrers lists referrers by subject (the API), or through the tag schema. */
export class MemoryReferrers implements Referrers {
  constructor(
    private readonly store: MemoryStore,
    readonly api: boolean,
  ) {}

  async list(subject: Digest, artifactType?: string, signal?: AbortSignal): Promise<Descriptor[]> {
    signal?.throwIfAborted();
    const all = this.api
      ? this.store.manifests
          .all()
          .filter((m) => m.manifest.subject?.digest === subject)
          .map((m) => referrerDescriptor(m.descriptor, m.manifest))
      : await this.#tagIndex(subject);
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }

  /** addToTagIndex lists `desc` in the subject's `<alg>-<hex>` index. */
  async addToTagIndex(subject: Digest, desc: Descriptor, signal?: AbortSignal): Promise<boolean> {
    const current = await this.#tagIndex(subject);
    if (current.some((d) => d.digest === desc.digest)) return false;
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...current, desc] };
    await this.store.manifests.put(
      referrersTag(subject),
      Buffer.from(JSON.stringify(index)),
      OCI_INDEX,
      signal,
    );
    return true;
  }

  async #tagIndex(subject: Digest): Promise<Descriptor[]> {
    const tag = referrersTag(subject);
    if (!(await this.store.manifests.head(tag))) return [];
    const { manifest } = await this.store.manifests.get(tag);
    // A fallback tag that is not an index means "no referrers" (distribution-spec).
    return manifest.kind === 'index' ? [...manifest.manifests] : [];
  }
}

/** checkReference tells a digest (true) from a tag (false), refusing anything else. */
function checkReference(reference: string, where: string): boolean {
  if (isDigest(reference)) return true;
  if (reference.includes(':')) {
    parseDigest(reference);
    return true;
  }
  if (!isValidTag(reference)) {
    throw new InvalidReferenceError(
      `invalid tag ${JSON.stringify(reference.slice(0, 100))} for ${where}: expected a tag or a digest`,
    );
  }
  return false;
}
