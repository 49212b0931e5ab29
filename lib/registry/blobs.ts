/**
 * Blob endpoints: existence, verified download, ranged download (to resume), upload
 * (POST then monolithic PUT by default; chunked PATCHes in uploads.ts when asked or when
 * the registry refuses a monolithic upload), cross-repository mount, delete.
 *
 * References: distribution-spec v1.1.1 "Pulling blobs", "Checking if content exists",
 * "POST then PUT", "Pushing a blob in chunks", "Mounting a blob from another repository",
 * "Deleting blobs".
 */
import { pipeline, type Readable } from 'node:stream';
import type { BlobSource, Blobs, Mounts, RangeReads, ResumableUploads } from '../content/store.js';
import { type Digest, SizedStream, VerifyingStream } from '../digest.js';
import {
  ProtocolError,
  RegistryError,
  ResponseTooLargeError,
  SizeMismatchError,
  UnauthorizedError,
} from '../errors.js';
import type { Descriptor } from '../manifest.js';
import type { RepoContext } from './context.js';
import {
  ChunkedUpload,
  checkDigestHeader,
  DEFAULT_CHUNK_SIZE,
  sessionFrom,
  type UploadOptions,
  type UploadSession,
} from './uploads.js';

export type { BlobSource, UploadOptions, UploadSession } from './uploads.js';
export { checkDigestHeader } from './uploads.js';

/** MountResult says whether a mount happened, or hands over the session a refused mount opened. */
export type MountResult = { mounted: true } | { mounted: false; session?: UploadSession };

/**
 * RegistryBlobs is the blob side of one repository: the registry backend's Blobs (lib/content),
 * with range reads, resumable uploads and mounts.
 */
export class RegistryBlobs implements Blobs, RangeReads, ResumableUploads, Mounts {
  /** Set once the registry refused a monolithic upload: chunks from then on. */
  #chunkedOnly = false;

  constructor(private readonly ctx: RepoContext) {}

  /**
   * stat tells whether the repository has a blob (HEAD; 404 means no) and its size
   * when the registry reports one.
   */
  async stat(digest: Digest, signal?: AbortSignal): Promise<{ size?: number } | undefined> {
    const res = await this.ctx.send({
      method: 'HEAD',
      path: this.ctx.path(`blobs/${digest}`),
      scopes: [this.ctx.pull],
      expect: [200, 404],
      what: `check blob ${digest} in ${this.ctx.registry}/${this.ctx.name}`,
      ...(signal && { signal }),
    });
    await res.dump();
    if (res.status === 404) return undefined;
    const size = Number(res.header('content-length'));
    return Number.isSafeInteger(size) ? { size } : {};
  }

  /** fetchBytes reads a small blob (a config) into memory, verified, refusing more than `limit`. */
  async fetchBytes(desc: Descriptor, limit: number, signal?: AbortSignal): Promise<Buffer> {
    if (desc.size > limit) {
      throw new ResponseTooLargeError(
        `blob ${desc.digest} is ${desc.size} bytes, over the ${limit}-byte limit`,
      );
    }
    const chunks: Buffer[] = [];
    // Read whole inside the transport, so a body that breaks off is retried there.
    const body = await this.#get(desc, signal, undefined, { limit });
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * get streams a blob, verifying size and digest as bytes arrive. A `Content-Length`
   * that disagrees with the descriptor fails before any byte is read.
   */
  get(
    desc: Descriptor,
    signal?: AbortSignal,
    onProgress?: (received: number) => void,
  ): Promise<VerifyingStream> {
    return this.#get(desc, signal, onProgress);
  }

  /**
   * #get streams the body as it arrives (a failure mid-body is a typed NetworkError for
   * the copy's blob retry; its deadline scales with the descriptor's size), or, with
   * `read`, reads it whole inside the transport's retry loop first.
   */
  async #get(
    desc: Descriptor,
    signal: AbortSignal | undefined,
    onProgress: ((received: number) => void) | undefined,
    read?: { limit: number },
  ): Promise<VerifyingStream> {
    const what = `blob ${desc.digest} from ${this.ctx.registry}/${this.ctx.name}`;
    const res = await this.ctx.send({
      method: 'GET',
      path: this.ctx.path(`blobs/${desc.digest}`),
      scopes: [this.ctx.pull],
      expect: [200],
      what: `fetch ${what}`,
      ...(read ? { read } : { expectedBytes: desc.size }),
      ...(signal && { signal }),
    });
    const length = res.header('content-length');
    if (length !== undefined && Number(length) !== desc.size) {
      abandon(res.body);
      throw new SizeMismatchError(desc.size, Number(length), `${what} (Content-Length)`);
    }
    const verifier = new VerifyingStream(desc.digest, desc.size, what, onProgress);
    // pipeline destroys both sides on error, so a broken download fails the consumer.
    pipeline(res.body, verifier, () => {});
    return verifier;
  }

  /**
   * getFrom streams a blob's bytes from `offset` with a `Range` request, unverified: the
   * caller (a resumed chunked upload) hashes them. A 206 must carry the exact
   * `Content-Range` asked for; a 200 is the whole blob, and `start` 0 tells the caller to
   * hash from the beginning again instead of appending (docs/faults.md case #4). The length
   * is held to the descriptor either way.
   */
  async getFrom(
    desc: Descriptor,
    offset: number,
    signal?: AbortSignal,
  ): Promise<{ body: Readable; start: number }> {
    const what = `blob ${desc.digest} from ${this.ctx.registry}/${this.ctx.name}`;
    const ranged = offset > 0;
    const res = await this.ctx.send({
      method: 'GET',
      path: this.ctx.path(`blobs/${desc.digest}`),
      ...(ranged && { headers: { range: `bytes=${offset}-` } }),
      scopes: [this.ctx.pull],
      expect: ranged ? [200, 206] : [200],
      what: `fetch ${what}${ranged ? ` from byte ${offset}` : ''}`,
      // A 200 (the whole blob) is held to the descriptor's size below; it bounds either answer.
      expectedBytes: desc.size,
      ...(signal && { signal }),
    });
    let start = 0;
    if (res.status === 206) {
      const range = parseContentRange(res.header('content-range'));
      if (
        !range ||
        range.start !== offset ||
        range.end !== desc.size - 1 ||
        (range.total !== undefined && range.total !== desc.size)
      ) {
        abandon(res.body);
        throw new ProtocolError(
          `${what}: asked for bytes ${offset}-, the registry answered Content-Range ${JSON.stringify(res.header('content-range') ?? null)}`,
        );
      }
      start = offset;
    }
    const expected = desc.size - start;
    const length = res.header('content-length');
    if (length !== undefined && Number(length) !== expected) {
      abandon(res.body);
      throw new SizeMismatchError(expected, Number(length), `${what} (Content-Length)`);
    }
    const limited = new SizedStream(expected, what);
    pipeline(res.body, limited, () => {});
    return { body: limited, start };
  }

  /** startUpload opens an upload session (POST, 202 with a Location). */
  async startUpload(signal?: AbortSignal): Promise<UploadSession> {
    const res = await this.ctx.send({
      method: 'POST',
      path: this.ctx.path('blobs/uploads/'),
      headers: { 'content-length': '0' },
      scopes: [this.ctx.push],
      expect: [202],
      what: `start blob upload to ${this.ctx.registry}/${this.ctx.name}`,
      ...(signal && { signal }),
    });
    await res.dump();
    return sessionFrom(res);
  }

  /**
   * finishUpload sends the whole blob in one PUT `?digest=` (monolithic). The body is
   * sent once; on failure the caller cancels the session and retries with a new one.
   */
  async finishUpload(
    session: UploadSession,
    desc: Descriptor,
    body: Readable | Uint8Array,
    signal?: AbortSignal,
  ): Promise<void> {
    // The Location may carry state in its query (distribution's `_state`, a signature):
    // it is used byte for byte and the digest appended (spec "POST then PUT": do not
    // assemble it yourself; re-serialising the query would re-encode what the registry wrote).
    const res = await this.ctx.send({
      method: 'PUT',
      path: session.location,
      query: { digest: desc.digest },
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
      body,
      scopes: [this.ctx.push],
      expect: [201],
      what: `upload blob ${desc.digest} to ${this.ctx.registry}/${this.ctx.name}`,
      ...(signal && { signal }),
    });
    await res.dump();
    checkDigestHeader(res.header('docker-content-digest'), desc.digest, 'uploaded blob');
  }

  /** cancelUpload abandons a session (spec "Cancel a blob upload"); failures are ignored. */
  async cancelUpload(session: UploadSession): Promise<void> {
    try {
      const res = await this.ctx.send({
        method: 'DELETE',
        path: session.location,
        scopes: [this.ctx.push],
        expect: [204, 200, 202, 404],
        what: 'cancel blob upload',
        // Best effort, once: the registry purges abandoned sessions itself, and the
        // failure that led here should not wait on retries of its clean-up.
        retry: false,
      });
      await res.dump();
    } catch (e) {
      this.ctx.logger.debug({ err: (e as Error).message }, 'cancelling an upload failed');
    }
  }

  /**
   * uploadFrom stores a blob read from `source`. By default in one monolithic PUT of the
   * verified stream (fastest, and what skopeo and crane do); in chunks (uploads.ts) when
   * the blob is larger than `options.chunkSize`, or once this registry refused a
   * monolithic upload (413, or 400 SIZE_INVALID / BLOB_UPLOAD_INVALID), in which case the
   * same blob is sent again at once in chunks. A chunked upload resumes broken chunks.
   */
  async uploadFrom(
    desc: Descriptor,
    source: BlobSource,
    options: UploadOptions = {},
  ): Promise<void> {
    const { signal, session, chunkSize } = options;
    if (this.#chunkedOnly || (chunkSize !== undefined && desc.size > chunkSize)) {
      return this.#chunked(desc, source, options);
    }
    let body: Readable;
    try {
      body = await source.open(signal);
    } catch (e) {
      // The session a refused mount opened is not going to be used.
      if (session) await this.cancelUpload(session);
      throw e;
    }
    let bodyError: Error | undefined;
    body.on('error', (e) => {
      bodyError ??= e;
    });
    try {
      await this.upload(desc, body, signal, session);
    } catch (e) {
      body.destroy();
      // When the source stream failed (digest, size, reset), that is the cause, not the
      // aborted upload it brought down.
      if (bodyError) throw bodyError;
      if (!refusesMonolithic(e)) throw e;
      this.#chunkedOnly = true;
      this.ctx.logger.info(
        { registry: this.ctx.registry, err: (e as Error).message },
        'the registry refused a monolithic upload; uploading in chunks',
      );
      const { session: _used, ...rest } = options;
      return this.#chunked(desc, source, rest);
    }
  }

  #chunked(desc: Descriptor, source: BlobSource, options: UploadOptions): Promise<void> {
    return new ChunkedUpload(
      this.ctx,
      {
        start: (signal) => this.startUpload(signal),
        cancel: (s) => this.cancelUpload(s),
        exists: async (signal) => {
          const found = await this.stat(desc.digest, signal);
          return found !== undefined && (found.size === undefined || found.size === desc.size);
        },
      },
      desc,
      source,
      { ...options, chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE },
    ).run();
  }

  /** upload sends a blob from a fresh session, cancelling the session if the PUT fails. */
  async upload(
    desc: Descriptor,
    body: Readable | Uint8Array,
    signal?: AbortSignal,
    session?: UploadSession,
  ): Promise<void> {
    const s = session ?? (await this.startUpload(signal));
    try {
      await this.finishUpload(s, desc, body, signal);
    } catch (e) {
      await this.cancelUpload(s);
      throw e;
    }
  }

  /**
   * mount makes a blob present by mounting it from repository `from` of this registry;
   * when the registry refuses, it uploads `source` itself, into the session the refusal
   * opened when there is one, so no upload session leaves the registry backend.
   */
  async mount(
    desc: Descriptor,
    from: string,
    source: BlobSource,
    options: UploadOptions = {},
  ): Promise<'mounted' | 'uploaded'> {
    const result = await this.tryMount(desc.digest, from, options.signal);
    if (result.mounted) return 'mounted';
    const { session } = result;
    await this.uploadFrom(desc, source, { ...options, ...(session && { session }) });
    return 'uploaded';
  }

  /**
   * tryMount asks the registry to link a blob from another repository of the same registry.
   * 201 means done. 202 means refused but a normal upload session was opened, which the
   * caller can use. 401/403 (no pull right on the source, as on some registries) means
   * "upload instead", as ggcr does (#1681).
   */
  async tryMount(digest: Digest, from: string, signal?: AbortSignal): Promise<MountResult> {
    try {
      const res = await this.ctx.send({
        method: 'POST',
        path: this.ctx.path('blobs/uploads/'),
        query: { mount: digest, from },
        headers: { 'content-length': '0' },
        scopes: [this.ctx.push, `repository:${from}:pull`],
        expect: [201, 202],
        what: `mount blob ${digest} from ${from}`,
        ...(signal && { signal }),
      });
      await res.dump();
      if (res.status === 201) return { mounted: true };
      return res.header('location')
        ? { mounted: false, session: sessionFrom(res) }
        : { mounted: false };
    } catch (e) {
      if (e instanceof UnauthorizedError) return { mounted: false };
      throw e;
    }
  }

  /** delete removes a blob (202); registries may refuse with 405 UNSUPPORTED. */
  async delete(digest: Digest): Promise<void> {
    const res = await this.ctx.send({
      method: 'DELETE',
      path: this.ctx.path(`blobs/${digest}`),
      scopes: [this.ctx.delete],
      expect: [202],
      what: `delete blob ${digest}`,
    });
    await res.dump();
  }
}

/**
 * refusesMonolithic tells whether a failed monolithic PUT means "send it in chunks": the
 * body is too large for the registry or a proxy in front of it (413), or the registry does
 * not take a whole blob in one PUT (400 SIZE_INVALID / BLOB_UPLOAD_INVALID).
 */
export function refusesMonolithic(e: unknown): boolean {
  if (!(e instanceof RegistryError)) return false;
  if (e.status === 413) return true;
  return e.status === 400 && (e.hasCode('SIZE_INVALID') || e.hasCode('BLOB_UPLOAD_INVALID'));
}

/** parseContentRange reads `bytes <start>-<end>/<total|*>` (RFC 9110 §14.4). */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number | undefined } | undefined {
  const m = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return undefined;
  return { start, end, total: m[3] === '*' ? undefined : Number(m[3]) };
}

/** abandon closes a body not going to be read; the abort error it then emits is expected. */
function abandon(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}
