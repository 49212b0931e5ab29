/**
 * The copy engine. It resolves the source once to a digest, walks index → manifests →
 * blobs, skips what the destination has, mounts within a registry, otherwise streams
 * GET → verify → PUT, and pushes every manifest by digest after its children (the root
 * may be left to the caller, who pushes it under its first tag: GraphTarget.leaveRoot).
 * It never writes a tag: the caller tags last, once everything is in place.
 */
import type { Readable } from 'node:stream';
import {
  type BlobSource,
  type ContentStore,
  canMount,
  canReadRanges,
  canResumeUploads,
  type FetchedManifest,
  type PushOptions,
} from '../content/store.js';
import type { Digest } from '../digest.js';
import { NetworkError, RegistryError, UsageError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Descriptor, Manifest } from '../manifest.js';
import { isNonDistributable } from '../media-types.js';
import type { Platform } from '../platform.js';
import { type RetryOptions, withRetry } from '../transport/retry.js';
import type { CopyEvent, CopyEventListener } from './events.js';
import { type Limit, limiter } from './limit.js';
import { filterRoot } from './plan.js';
import { type CopiedReferrer, ReferrerCopier } from './referrers.js';

/** CopyOptions tunes a copy. */
export interface CopyOptions {
  /** Blob transfers at once (default 4). */
  jobs?: number;
  /** Keep only these platforms of an index; the copied index then has a new digest. */
  platforms?: readonly Platform[];
  /** Also copy referrers: signatures, SBOMs, attestations (API, tag schema, cosign tags). */
  referrers?: boolean;
  /** Referrers followed at most, across the whole graph (default MAX_REFERRERS, 10,000). */
  maxReferrers?: number;
  /** Plan only: read the source and check the destination, write nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onEvent?: CopyEventListener;
  logger?: Logger;
  /**
   * Retry policy for blob transfers: a retry restarts the transfer with a new session (a
   * broken chunk of a chunked upload is resumed instead, paced by the same policy).
   */
  retry?: Pick<RetryOptions, 'retries' | 'minDelay' | 'maxDelay' | 'maxRetryAfter'>;
  /**
   * Upload blobs larger than this many bytes in chunks of this size (PATCH, resumable
   * after a broken chunk). Default: one monolithic PUT per blob — fewest requests, fastest
   * — switching to chunks only when a registry refuses a monolithic upload.
   */
  chunkSize?: number;
}

/** CopyStats counts what a copy did (or, in a dry run, would do). */
export interface CopyStats {
  manifests: { copied: number; skipped: number };
  blobs: { copied: number; mounted: number; skipped: number };
  /** Blob bytes uploaded (or to upload, in a dry run). */
  bytesCopied: number;
}

/** GraphCopyResult is what copyGraph did with one root. */
export interface GraphCopyResult extends CopyStats {
  /** Digest of the root at the destination (differs from the source's when filtered). */
  digest: Digest;
  mediaType: string;
  size: number;
  /** Set when a platform filter rewrote the root index: the source's own digest. */
  filteredFrom?: Digest;
  referrers: CopiedReferrer[];
  /** The root as written to the destination (bytes to tag with). */
  root: FetchedManifest;
}

/** GraphTarget is what the caller asks of the destination and knows of it. */
export interface GraphTarget {
  /** The digest of what is copied (after filtering) must be this one. */
  digest?: Digest;
  /**
   * The caller pushes the root itself, under the first tag it writes (promote): one PUT
   * instead of two. The registry accepts that PUT only with everything the root
   * references present, which the copy has made sure of.
   */
  leaveRoot?: boolean;
  /**
   * The destination repository held no tag when the caller listed it (a new repository):
   * the root is not looked for, and blobs up to SMALL_BLOB bytes are uploaded without a
   * HEAD first — for them a HEAD costs as many requests as it could save.
   */
  untagged?: boolean;
}

/** Blobs this small are uploaded into an untagged repository without a HEAD first. */
export const SMALL_BLOB = 64 * 1024;

/**
 * copyGraph copies the manifest a source reference resolves to, and everything it
 * refers to, into `dst` by digest. `root` is the already-fetched source manifest.
 */
export async function copyGraph(
  src: ContentStore,
  root: FetchedManifest,
  dst: ContentStore,
  options: CopyOptions = {},
  target: GraphTarget = {},
): Promise<GraphCopyResult> {
  const expectedDigest = target.digest;
  // Referrers are pushed with the root as their subject: the root goes first then.
  const leaveRoot = target.leaveRoot === true && !options.referrers;
  const run = new CopyRun(src, dst, options, { ...target, leaveRoot });
  let top = root;
  let filteredFrom: Digest | undefined;
  if (options.platforms?.length) {
    top = filterRoot(root, options.platforms);
    if (top !== root) filteredFrom = root.descriptor.digest;
  }
  // A destination digest must name what is written, filtered or not; checked before any write.
  if (expectedDigest !== undefined && top.descriptor.digest !== expectedDigest) {
    throw new UsageError(
      `destination digest ${expectedDigest} differs from the digest to copy, ${top.descriptor.digest}${filteredFrom ? ` (--platform filtered from ${filteredFrom})` : ''}`,
    );
  }
  await run.all(top);
  return {
    digest: top.descriptor.digest,
    mediaType: top.descriptor.mediaType,
    size: top.descriptor.size,
    ...(filteredFrom && { filteredFrom }),
    ...run.stats,
    referrers: run.referrers?.copied ?? [],
    root: top,
  };
}

/** CopyRun is the state of one copy: dedupe maps, counters, the transfer limit. */
class CopyRun {
  readonly stats: CopyStats = {
    manifests: { copied: 0, skipped: 0 },
    blobs: { copied: 0, mounted: 0, skipped: 0 },
    bytesCopied: 0,
  };
  readonly referrers: ReferrerCopier | undefined;
  readonly #manifests = new Map<Digest, Promise<void>>();
  readonly #blobs = new Map<Digest, Promise<void>>();
  readonly #limit: Limit;
  readonly #sameRegistry: boolean;
  readonly #log: Logger;
  /** Aborted on the first failure, so the rest of the graph stops instead of running on. */
  readonly #failed = new AbortController();
  readonly signal: AbortSignal;

  constructor(
    readonly src: ContentStore,
    readonly dst: ContentStore,
    readonly options: CopyOptions,
    readonly target: GraphTarget = {},
  ) {
    this.#limit = limiter(options.jobs ?? 4);
    this.#sameRegistry = src.registry === dst.registry;
    this.#log = options.logger ?? silentLogger;
    this.referrers = options.referrers ? new ReferrerCopier(this, src, dst) : undefined;
    this.signal = options.signal
      ? AbortSignal.any([options.signal, this.#failed.signal])
      : this.#failed.signal;
  }

  /**
   * all copies the graph under `root`. On the first failure the other transfers are
   * aborted, and their clean-up (cancelled upload sessions) is awaited before the
   * failure is thrown, so nothing runs on after the caller has been told.
   */
  async all(root: FetchedManifest): Promise<void> {
    try {
      await this.manifest(root.descriptor, root);
      await this.referrers?.settled();
    } catch (e) {
      // A referrer walk that failed first has already aborted the rest: its error is the cause.
      const cause = this.#failed.signal.aborted ? this.#failed.signal.reason : e;
      this.#failed.abort(cause);
      await Promise.allSettled([
        ...this.#manifests.values(),
        ...this.#blobs.values(),
        ...(this.referrers?.walks() ?? []),
      ]);
      throw cause;
    }
  }

  /** fail stops the whole copy on a failure off the manifest path (a referrer walk). */
  fail(e: unknown): void {
    this.#failed.abort(e);
  }

  emit(event: CopyEvent): void {
    this.options.onEvent?.(event);
  }

  /**
   * manifest copies one manifest and its subtree, once per digest. A manifest the
   * destination already has is skipped whole: a registry only accepts a manifest whose
   * references it holds, so its children are there too. `path` lists the manifests that
   * led here (root first), for the referrer walk to tell a cycle.
   *
   * It waits only for its children, which are named by digest inside its bytes, so they
   * can never lead back to it. Referrer links are only a registry's say-so and may loop:
   * they are walked beside the copy (ReferrerCopier), never awaited in here.
   */
  manifest(
    desc: Descriptor,
    fetched?: FetchedManifest,
    path: readonly Digest[] = [],
  ): Promise<void> {
    return once(this.#manifests, desc.digest, async () => {
      const chain = [...path, desc.digest];
      const root = path.length === 0;
      const present =
        root && this.target.untagged
          ? false
          : await this.dst.manifests.head(desc.digest, this.signal);
      let source = fetched;
      if (present) {
        this.stats.manifests.skipped++;
        this.emit({ type: 'manifest', descriptor: desc, action: 'skipped' });
      } else {
        source ??= await this.src.manifests.get(desc.digest, this.signal);
        await this.children(source.manifest, chain);
        if (!this.options.dryRun && !(root && this.target.leaveRoot)) {
          const put = await this.dst.manifests.put(
            desc.digest,
            source.bytes,
            desc.mediaType,
            this.signal,
          );
          this.referrers?.noteIndexed(desc.digest, put.subjectIndexed);
        }
        this.stats.manifests.copied++;
        this.emit({ type: 'manifest', descriptor: desc, action: 'copied' });
      }
      if (this.referrers) {
        // Referrers may have been added at the source since the last copy, also to the
        // children of an index the destination already has: look at the whole graph.
        if (present) {
          source ??= await this.src.manifests.get(desc.digest, this.signal);
          if (source.manifest.kind === 'index') {
            await Promise.all(
              source.manifest.manifests.map((c) => this.manifest(c, undefined, chain)),
            );
          }
        }
        this.referrers.visit(desc, chain);
      }
    });
  }

  async children(m: Manifest, chain: readonly Digest[]): Promise<void> {
    if (m.kind === 'index') {
      await Promise.all(m.manifests.map((c) => this.manifest(c, undefined, chain)));
    } else {
      await Promise.all([m.config, ...m.layers].map((b) => this.blob(b)));
    }
  }

  /** blob makes one blob present at the destination, once per digest. */
  blob(desc: Descriptor): Promise<void> {
    if (isNonDistributable(desc.mediaType)) {
      // Foreign layers are fetched from their `urls` by the runtime; registries refuse them.
      this.stats.blobs.skipped++;
      this.emit({ type: 'blob', descriptor: desc, action: 'skipped' });
      return Promise.resolve();
    }
    return once(this.#blobs, desc.digest, () => {
      this.emit({ type: 'blob-queued', descriptor: desc });
      return this.#limit(() => this.#blob(desc));
    });
  }

  async #blob(desc: Descriptor): Promise<void> {
    const done = (action: 'copied' | 'mounted' | 'skipped'): void => {
      this.stats.blobs[action]++;
      if (action === 'copied') this.stats.bytesCopied += desc.size;
      this.emit({ type: 'blob', descriptor: desc, action });
    };
    if (this.#sameRegistry && this.src.name === this.dst.name) return done('skipped');

    if (this.options.dryRun) {
      if (await this.dst.blobs.stat(desc.digest, this.signal)) return done('skipped');
      return done(this.#sameRegistry ? 'mounted' : 'copied');
    }

    const { dst } = this;
    // Within one registry, mount without a HEAD first: distribution answers 201 when
    // the source has the blob, whether or not the destination already had it.
    const mounts = this.#sameRegistry && canMount(dst.blobs) ? dst.blobs : undefined;
    const unasked = this.target.untagged === true && desc.size <= SMALL_BLOB;
    if (!mounts && !unasked && (await dst.blobs.stat(desc.digest, this.signal))) {
      return done('skipped');
    }

    const retry = (what: string, attempt: number, error: Error, delayMs?: number) => {
      this.#log.warn(
        {
          digest: desc.digest,
          attempt,
          ...(delayMs !== undefined && { delayMs }),
          err: error.message,
        },
        `retrying ${what}`,
      );
      this.emit({
        type: 'retry',
        what: `${what === 'blob copy' ? 'blob' : what} ${desc.digest}`,
        attempt,
        error,
      });
    };
    const source = this.#source(desc);
    let mounted = false;
    let failed: unknown;
    // The blob loop owns the retries: inside an attempt the transport sends each request
    // once, and a chunked upload's resumes draw from this loop's budget (retries + 1 tries).
    // Every request of an attempt carries the attempt's signal: that marks it as owned.
    await withRetry(
      async (attempt, signal) => {
        // A retry starts over with a new upload (the old one was cancelled)... unless the
        // previous attempt got the blob in and only its answer was lost.
        if (attempt > 1 && mayHaveLanded(failed) && (await dst.blobs.stat(desc.digest, signal)))
          return;
        const push = this.#push(desc, retry, signal);
        if (attempt === 1 && mounts) {
          // The mount uploads the blob itself when the registry refuses to link it.
          mounted = (await mounts.mount(desc, this.src.name, source, push)) === 'mounted';
          return;
        }
        await this.#transfer(desc, source, push);
      },
      {
        ...this.options.retry,
        owner: true,
        signal: this.signal,
        onRetry: ({ error, attempt, delayMs }) => {
          failed = error;
          retry('blob copy', attempt, error as Error, delayMs);
        },
      },
    );
    done(mounted ? 'mounted' : 'copied');
  }

  /**
   * #source is the source's blob as the destination reads it: whole and verified, or from
   * an offset (to resume a broken chunk) where the source can seek. The first read
   * announces the transfer ('blob-start'), so a mounted blob never shows as one.
   */
  #source(desc: Descriptor): BlobSource {
    const { src } = this;
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      this.emit({ type: 'blob-start', descriptor: desc });
    };
    const progress = this.#progress(desc);
    return {
      descriptor: desc,
      open: (signal) => {
        start();
        return src.blobs.get(desc, signal, progress);
      },
      openAt: async (offset, signal) => {
        start();
        return canReadRanges(src.blobs)
          ? src.blobs.getFrom(desc, offset, signal)
          : { body: await src.blobs.get(desc, signal), start: 0 };
      },
    };
  }

  #progress(desc: Descriptor): (bytes: number) => void {
    return (bytes) => this.emit({ type: 'blob-progress', descriptor: desc, bytes });
  }

  /** #push is how the destination uploads: chunk size, resume pacing, progress. */
  #push(
    desc: Descriptor,
    retry: (what: string, attempt: number, error: Error) => void,
    signal: AbortSignal | undefined,
  ): PushOptions {
    return {
      ...(signal && { signal }),
      ...(this.options.chunkSize !== undefined && { chunkSize: this.options.chunkSize }),
      ...(this.options.retry && { retry: this.options.retry }),
      onResume: ({ error, attempt }) => retry('chunk of blob', attempt, error),
      onProgress: this.#progress(desc),
    };
  }

  /** #transfer streams one blob from source to destination. */
  async #transfer(desc: Descriptor, source: BlobSource, push: PushOptions): Promise<void> {
    const { dst } = this;
    const { signal } = push;
    if (canResumeUploads(dst.blobs)) {
      // The destination may read the blob again: from an offset to resume a broken chunk,
      // or whole to switch to chunks.
      await dst.blobs.uploadFrom(desc, source, push);
      return;
    }
    let body: Readable | undefined;
    let bodyError: Error | undefined;
    try {
      body = await source.open(signal);
      body.on('error', (e) => {
        bodyError ??= e;
      });
      await dst.blobs.upload(desc, body, signal);
    } catch (e) {
      body?.destroy();
      // When the source stream failed (digest, size, reset), that is the cause, not the
      // aborted upload it brought down.
      throw bodyError ?? e;
    }
  }
}

/**
 * mayHaveLanded tells whether a failed attempt can have stored the blob: only a PUT commits
 * one, and its answer may be lost after the commit. A failed GET, HEAD, POST or PATCH
 * stored nothing (a source that broke off ends the upload before its last bytes), so the
 * retry needs no HEAD first. Errors that name no request are checked.
 */
function mayHaveLanded(e: unknown): boolean {
  const method = e instanceof RegistryError || e instanceof NetworkError ? e.method : undefined;
  return method === undefined || method === 'PUT';
}

/** once runs `task` once per key; a failure is forgotten so a later call can retry it. */
function once(
  map: Map<Digest, Promise<void>>,
  key: Digest,
  task: () => Promise<void>,
): Promise<void> {
  let p = map.get(key);
  if (!p) {
    p = task();
    map.set(key, p);
    p.catch(() => map.delete(key));
  }
  return p;
}

export type { CopyRun };
