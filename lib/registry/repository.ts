/**
 * Repository gathers the endpoint families of one repository behind one object: the
 * registry backend's ContentStore (lib/content).
 */
import type { ContentStore } from '../content/store.js';
import type { Digest } from '../digest.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatReference, type Reference, repositoryOf } from '../reference.js';
import type { Transport } from '../transport/types.js';
import { RegistryBlobs } from './blobs.js';
import { RepoContext } from './context.js';
import { RegistryManifests } from './manifests.js';
import { RegistryReferrers } from './referrers.js';
import { listTagPages, listTags } from './tags.js';

/** Repository is a client for one repository of one registry. */
export class Repository implements ContentStore {
  readonly ref: Reference;
  readonly blobs: RegistryBlobs;
  readonly manifests: RegistryManifests;
  readonly referrers: RegistryReferrers;
  readonly #ctx: RepoContext;

  constructor(transport: Transport, ref: Reference, logger?: Logger) {
    this.ref = repositoryOf(ref);
    this.#ctx = new RepoContext(transport, this.ref, logger);
    this.blobs = new RegistryBlobs(this.#ctx);
    this.manifests = new RegistryManifests(this.#ctx);
    this.referrers = new RegistryReferrers(this.#ctx, this.manifests);
  }

  /** The registry name, e.g. `ghcr.io`. */
  get registry(): string {
    return this.ref.registry;
  }

  /** The repository path, e.g. `org/app`. */
  get name(): string {
    return this.ref.repository;
  }

  /** tags yields every tag, following pagination. */
  tags(signal?: AbortSignal): AsyncGenerator<string> {
    return listTags(this.#ctx, signal);
  }

  /** tagPages yields the tags page by page, as the registry sends them. */
  tagPages(signal?: AbortSignal): AsyncGenerator<string[]> {
    return listTagPages(this.#ctx, signal);
  }

  /** listTags collects every tag; a repository that does not exist yet has none. */
  async listTags(signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const t of this.tags(signal)) out.push(t);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    return out;
  }

  /** describe renders `host/path[:tag][@digest]`. */
  describe(tag?: string, digest?: Digest): string {
    return formatReference({
      ...this.ref,
      ...(tag !== undefined && { tag }),
      ...(digest !== undefined && { digest }),
    });
  }

  toString(): string {
    return formatReference(this.ref);
  }
}
