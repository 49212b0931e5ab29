/**
 * Copying referrers (signatures, SBOMs, attestations) along with their subject, in
 * every storage style in use: the OCI 1.1 referrers API, its tag-schema fallback
 * (`sha256-<hex>` index), and cosign's `sha256-<hex>.sig|.att|.sbom` tags.
 *
 * Referrer tags are attachments of a digest, not promotion tags: they are written
 * after their subject exists, and a cosign tag that already points elsewhere at the
 * destination is left alone (its signatures may exist nowhere else).
 *
 * Which manifests refer to which is the registry's say-so, not bound by digests, so the
 * graph may loop (a `.sig` tag holding the image itself, a fallback index listing its own
 * subject, A → B → A). Each manifest is walked once (a visited set), and a referrer that
 * is one of the manifests leading to its subject is a cycle: skipped with a warning. A
 * walk waits for the copy of the referrers it found, never for another walk, so nothing
 * can wait on itself.
 */
import { cosignTags } from '../content/referrers.js';
import type { ContentStore } from '../content/store.js';
import type { Digest } from '../digest.js';
import { ProtocolError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import type { CopyRun } from './copy.js';

/**
 * MAX_REFERRERS caps the referrers one copy follows. Real images carry a handful per
 * manifest; a registry inventing new ones without end would otherwise be followed forever.
 */
export const MAX_REFERRERS = 10_000;

/** CopiedReferrer is one referrer the copy carried (or found already present). */
export interface CopiedReferrer {
  digest: Digest;
  subject: Digest;
  artifactType?: string;
  /** The cosign tag it was found under, when it came from one. */
  tag?: string;
  action: 'copied' | 'skipped' | 'kept-destination';
}

/** ReferrerCopier finds the referrers of every manifest a copy visits and copies them. */
export class ReferrerCopier {
  readonly copied: CopiedReferrer[] = [];
  readonly #indexed = new Map<Digest, boolean>();
  /** One walk per manifest: the visited set. */
  readonly #walks = new Map<Digest, Promise<void>>();
  /** Referrers followed so far (each digest once). */
  readonly #followed = new Set<Digest>();

  constructor(
    private readonly run: CopyRun,
    private readonly src: ContentStore,
    private readonly dst: ContentStore,
  ) {}

  /** noteIndexed records whether the destination indexed a pushed manifest's subject itself. */
  noteIndexed(digest: Digest, indexed: boolean): void {
    this.#indexed.set(digest, indexed);
  }

  /**
   * visit starts the walk of `subject`'s referrers, once per digest; `chain` lists the
   * manifests that led to it, itself last. A failed walk fails the copy.
   */
  visit(subject: Descriptor, chain: readonly Digest[]): void {
    if (this.#walks.has(subject.digest)) return;
    const walk = Promise.all([
      this.#viaReferrers(subject.digest, chain),
      this.#viaCosignTags(subject.digest, chain),
    ]).then(() => undefined);
    walk.catch((e: unknown) => this.run.fail(e));
    this.#walks.set(subject.digest, walk);
  }

  /** walks lists the walks started so far. */
  walks(): Promise<void>[] {
    return [...this.#walks.values()];
  }

  /** settled resolves once every walk is done, including those started by other walks. */
  async settled(): Promise<void> {
    for (let seen = -1; seen !== this.#walks.size; ) {
      seen = this.#walks.size;
      await Promise.all(this.#walks.values());
    }
  }

  async #viaReferrers(subject: Digest, chain: readonly Digest[]): Promise<void> {
    const signal = this.run.signal;
    const found = (await this.src.referrers.list(subject, undefined, signal)).filter(
      (r) => !this.#closesCycle(r.digest, subject, chain, 'listed as a referrer of'),
    );
    if (found.length === 0) return;
    for (const r of found) this.#follow(r.digest);
    const listed = new Set(
      (await this.dst.referrers.list(subject, undefined, signal)).map((d) => d.digest),
    );
    await Promise.all(
      found.map(async (r) => {
        await this.run.manifest(r, undefined, chain);
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

  /**
   * #viaCosignTags looks up the subject's three cosign tags by name (a HEAD each), so
   * the cost does not grow with the number of tags in the repository.
   */
  async #viaCosignTags(subject: Digest, chain: readonly Digest[]): Promise<void> {
    const signal = this.run.signal;
    await Promise.all(
      cosignTags(subject).map(async (tag) => {
        const found = await this.src.manifests.head(tag, signal);
        if (!found || this.#closesCycle(found.digest, subject, chain, `tagged ${tag} for`)) return;
        const fetched = await this.src.manifests.get(found.digest, signal);
        const digest = fetched.descriptor.digest;
        const artifactType = fetched.manifest.artifactType;
        this.#follow(digest);
        const current = await this.dst.manifests.head(tag, signal);
        if (current?.digest === digest) {
          this.#record(digest, subject, artifactType, 'skipped', tag);
          return;
        }
        await this.run.manifest(fetched.descriptor, fetched, chain);
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

  /**
   * #closesCycle tells (and warns) when `referrer` is `subject` itself or one of the
   * manifests that led to it: following it would go round in a circle.
   */
  #closesCycle(referrer: Digest, subject: Digest, chain: readonly Digest[], how: string): boolean {
    if (!chain.includes(referrer)) return false;
    const what = referrer === subject ? 'that manifest itself' : 'a manifest leading to it';
    this.run.emit({
      type: 'warning',
      message: `referrer cycle: ${referrer}, ${how} ${subject}, is ${what}; not followed`,
    });
    return true;
  }

  /** #follow counts a referrer against the cap (CopyOptions.maxReferrers), before it is copied. */
  #follow(digest: Digest): void {
    this.#followed.add(digest);
    const max = this.run.options.maxReferrers ?? MAX_REFERRERS;
    if (this.#followed.size > max) {
      throw new ProtocolError(
        `more than ${max} referrers reachable from the copied image — refusing to follow more (a registry inventing referrers without end?)`,
      );
    }
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
