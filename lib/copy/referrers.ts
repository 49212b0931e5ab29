/**
 * Copying referrers (signatures, SBOMs, attestations) along with their subject, in
 * every storage style in use: the OCI 1.1 referrers API, its tag-schema fallback
 * (`sha256-<hex>` index), and cosign's `sha256-<hex>.sig|.att|.sbom` tags.
 *
 * Referrer tags are attachments of a digest, not promotion tags: they are written
 * after their subject exists, and a cosign tag that already points elsewhere at the
 * destination is left alone (its signatures may exist nowhere else).
 */
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { cosignTags } from '../registry/referrers.js';
import type { Store } from '../registry/store.js';
import type { CopyRun } from './copy.js';

/** CopiedReferrer is one referrer the copy carried (or found already present). */
export interface CopiedReferrer {
  digest: Digest;
  subject: Digest;
  artifactType?: string;
  /** The cosign tag it was found under, when it came from one. */
  tag?: string;
  action: 'copied' | 'skipped' | 'kept-destination';
}

/** ReferrerCopier finds a subject's referrers at the source and copies them. */
export class ReferrerCopier {
  readonly copied: CopiedReferrer[] = [];
  #srcTags: Promise<Set<string>> | undefined;
  readonly #indexed = new Map<Digest, boolean>();

  constructor(
    private readonly run: CopyRun,
    private readonly src: Store,
    private readonly dst: Store,
  ) {}

  /** noteIndexed records whether the destination indexed a pushed manifest's subject itself. */
  noteIndexed(digest: Digest, indexed: boolean): void {
    this.#indexed.set(digest, indexed);
  }

  /** copyFor copies every referrer of `subject`; each referrer's own referrers follow. */
  async copyFor(subject: Descriptor): Promise<void> {
    await Promise.all([this.#viaReferrers(subject.digest), this.#viaCosignTags(subject.digest)]);
  }

  async #viaReferrers(subject: Digest): Promise<void> {
    const signal = this.run.signal;
    const found = await this.src.referrers.list(subject, undefined, signal);
    if (found.length === 0) return;
    const listed = new Set(
      (await this.dst.referrers.list(subject, undefined, signal)).map((d) => d.digest),
    );
    await Promise.all(
      found.map(async (r) => {
        await this.run.manifest(r);
        const present = listed.has(r.digest);
        if (!present && !this.run.options.dryRun && this.#needsTagIndex(r.digest)) {
          await this.dst.referrers.addToTagIndex(subject, r, signal);
        }
        this.#record(r.digest, subject, r.artifactType, present ? 'skipped' : 'copied');
      }),
    );
  }

  /** The destination lists a referrer itself when it has the API or said OCI-Subject. */
  #needsTagIndex(digest: Digest): boolean {
    return this.dst.referrers.api !== true && this.#indexed.get(digest) !== true;
  }

  async #viaCosignTags(subject: Digest): Promise<void> {
    const signal = this.run.signal;
    const tags = await this.#sourceTags();
    const wanted = cosignTags(subject).filter((t) => tags.has(t));
    await Promise.all(
      wanted.map(async (tag) => {
        const fetched = await this.src.manifests.get(tag, signal);
        const digest = fetched.descriptor.digest;
        const artifactType = fetched.manifest.artifactType;
        const current = await this.dst.manifests.head(tag, signal);
        if (current?.digest === digest) {
          this.#record(digest, subject, artifactType, 'skipped', tag);
          return;
        }
        await this.run.manifest(fetched.descriptor, fetched);
        if (current) {
          const message = `${this.dst}:${tag} already points to ${current.digest}; left as it is (source has ${digest})`;
          this.run.emit({ type: 'warning', message });
          this.#record(digest, subject, artifactType, 'kept-destination', tag);
          return;
        }
        if (!this.run.options.dryRun) {
          await this.dst.manifests.put(tag, fetched.bytes, fetched.descriptor.mediaType, signal);
        }
        this.#record(digest, subject, artifactType, 'copied', tag);
      }),
    );
  }

  #sourceTags(): Promise<Set<string>> {
    this.#srcTags ??= this.src.listTags(this.run.signal).then((tags) => new Set(tags));
    return this.#srcTags;
  }

  #record(
    digest: Digest,
    subject: Digest,
    artifactType: string | undefined,
    action: CopiedReferrer['action'],
    tag?: string,
  ): void {
    this.copied.push({
      digest,
      subject,
      ...(artifactType !== undefined && { artifactType }),
      ...(tag !== undefined && { tag }),
      action,
    });
  }
}
