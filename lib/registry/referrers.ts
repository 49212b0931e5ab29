/**
 * Referrers: the OCI 1.1 referrers API, its tag-schema fallback, and how a pushed
 * referrer is made findable on registries without the API.
 *
 * References: distribution-spec v1.1.1 "Listing Referrers", "Referrers Tag Schema",
 * "Pushing Manifests with Subject".
 */
import { referrersTag } from '../content/referrers.js';
import type { Referrers } from '../content/store.js';
import type { Digest } from '../digest.js';
import { isOciPromoteError, ManifestInvalidError, NotFoundError } from '../errors.js';
import { type Descriptor, parseDescriptor } from '../manifest.js';
import { isIndexType, OCI_INDEX } from '../media-types.js';
import { type RepoContext, readJson } from './context.js';
import { type PageLimits, Pager } from './link.js';
import type { RegistryManifests } from './manifests.js';

export {
  COSIGN_SUFFIXES,
  cosignTags,
  referrerDescriptor,
  referrersTag,
} from '../content/referrers.js';

/**
 * REFERRER_LIST_LIMITS bound one referrers listing (of one subject): far above the
 * signatures, SBOMs and attestations real images carry, far below what a looping or
 * endless registry would send.
 */
export const REFERRER_LIST_LIMITS: PageLimits = {
  maxPages: 1_000,
  maxEntries: 10_000,
  maxPageBytes: 4 * 1024 * 1024,
};

/** RegistryReferrers lists and records referrers of one repository (the registry's Referrers). */
export class RegistryReferrers implements Referrers {
  /** Whether the registry serves the referrers API; learned from the first answer. */
  #api: boolean | undefined;

  constructor(
    private readonly ctx: RepoContext,
    private readonly manifests: RegistryManifests,
    private readonly limits: PageLimits = REFERRER_LIST_LIMITS,
  ) {}

  /** api is true/false once a listing showed whether the registry serves the API. */
  get api(): boolean | undefined {
    return this.#api;
  }

  /** list returns the referrers of a subject, optionally only those of one artifact type. */
  async list(subject: Digest, artifactType?: string, signal?: AbortSignal): Promise<Descriptor[]> {
    const found = this.#api === false ? undefined : await this.#fromApi(subject, signal);
    const all = found ?? (await this.#fromTag(subject, signal));
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }

  /**
   * addToTagIndex lists `desc` in the subject's fallback index (pull, skip if present,
   * append, push). Needed when the registry did not answer the push with OCI-Subject.
   * Not atomic: two writers at once can lose an entry; re-running the copy repairs it.
   */
  async addToTagIndex(
    subject: Digest,
    desc: Descriptor,
    signal?: AbortSignal,
    /** `absent`: the caller knows there is no index yet (a tag list), so it is not read. */
    known: { absent?: boolean } = {},
  ): Promise<boolean> {
    const tag = referrersTag(subject);
    const current = known.absent ? [] : await this.#readTagIndex(tag, signal);
    if (current.some((d) => d.digest === desc.digest)) return false;
    await this.#writeTagIndex(tag, [...current, desc], signal);
    return true;
  }

  /** removeFromTagIndex drops a referrer from the subject's fallback index, if listed there. */
  async removeFromTagIndex(
    subject: Digest,
    digest: Digest,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const tag = referrersTag(subject);
    const current = await this.#readTagIndex(tag, signal);
    if (!current.some((d) => d.digest === digest)) return false;
    await this.#writeTagIndex(
      tag,
      current.filter((d) => d.digest !== digest),
      signal,
    );
    return true;
  }

  async #writeTagIndex(tag: string, manifests: Descriptor[], signal?: AbortSignal): Promise<void> {
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
    await this.manifests.put(tag, Buffer.from(JSON.stringify(index)), OCI_INDEX, signal);
  }

  async #fromApi(subject: Digest, signal?: AbortSignal): Promise<Descriptor[] | undefined> {
    const out: Descriptor[] = [];
    const what = `referrers of ${subject}`;
    const pager = new Pager(what, this.limits);
    let path: string | undefined = this.ctx.path(`referrers/${subject}`);
    while (path) {
      const res = await this.ctx.send({
        method: 'GET',
        path,
        headers: { accept: OCI_INDEX },
        scopes: [this.ctx.pull],
        expect: [200, 404],
        what: `list referrers of ${subject}`,
        // Read inside the transport's retry loop: a page that breaks off is retried.
        read: { limit: this.limits.maxPageBytes },
        ...(signal && { signal }),
      });
      // A registry with the API never answers 404 (spec "Listing Referrers"); 404 means
      // the API is absent and the tag schema is in use.
      if (res.status === 404) {
        await res.dump();
        this.#api = false;
        return undefined;
      }
      this.#api = true;
      const page = descriptorsOf(await readJson(res, this.limits.maxPageBytes, what), what);
      pager.count(page.length);
      out.push(...page);
      path = pager.next(path, res.url, res.header('link'));
    }
    return out;
  }

  async #fromTag(subject: Digest, signal?: AbortSignal): Promise<Descriptor[]> {
    return this.#readTagIndex(referrersTag(subject), signal);
  }

  async #readTagIndex(tag: string, signal?: AbortSignal): Promise<Descriptor[]> {
    try {
      const { manifest } = await this.manifests.get(tag, signal);
      // A fallback tag that is not an index means "no referrers" (spec).
      return manifest.kind === 'index' ? [...manifest.manifests] : [];
    } catch (e) {
      if (e instanceof NotFoundError) return [];
      if (isOciPromoteError(e) && e.category === 'integrity') {
        this.ctx.logger.warn(
          { tag, err: e.message },
          'ignoring an unreadable referrers fallback tag',
        );
        return [];
      }
      throw e;
    }
  }
}

function descriptorsOf(page: unknown, what: string): Descriptor[] {
  const p = page as { mediaType?: unknown; manifests?: unknown };
  if (typeof p !== 'object' || p === null || !Array.isArray(p.manifests)) {
    throw new ManifestInvalidError(`${what}: the answer is not an image index`);
  }
  if (p.mediaType !== undefined && (typeof p.mediaType !== 'string' || !isIndexType(p.mediaType))) {
    throw new ManifestInvalidError(`${what}: the answer is not an image index`);
  }
  return p.manifests.map((d, i) => parseDescriptor(d, `${what} manifests[${i}]`));
}
