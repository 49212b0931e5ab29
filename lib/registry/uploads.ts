/**
 * Chunked blob uploads (distribution-spec "Pushing a blob in chunks"): POST opens a
 * session, each PATCH carries `Content-Range: <start>-<end>` (inclusive, no `bytes `
 * prefix) and answers with the registry's `Range: 0-<end>` and the next `Location`, which
 * is always the one used next; `PUT <location>&digest=` closes the session.
 *
 * Monolithic uploads stay the default (one streamed PUT: the fewest requests, and what
 * skopeo and crane do); RegistryBlobs chooses this path only when asked (a `chunkSize`) or
 * when the registry refuses a monolithic upload (413, SIZE_INVALID, BLOB_UPLOAD_INVALID).
 *
 * What makes it worth having is the resume: when a chunk breaks (reset, 5xx, 416, an
 * expired token, a PATCH answered 201 as ECR does), the registry is asked where it is
 * (`GET <location>` → 204 with `Range`) and the upload goes on from there. The bytes are
 * hashed as they are sent and a copy of the hash state is kept at every chunk boundary,
 * so going on from a boundary needs no re-reading of what the registry already has: the
 * source is read again from that offset (a `Range` GET). A registry position that is not a
 * known boundary (it kept part of a broken chunk) cannot be hashed on from, so the whole
 * upload restarts in a new session. A source that ignores the range and sends the whole
 * blob (200 instead of 206) is hashed again from zero, skipping what the registry has
 * (docs/faults.md case #4), never appended.
 *
 * Resumes, and sending the closing PUT again, spend one retry budget: the blob copy's, when
 * the upload runs inside its owned attempt (lib/transport/retry.ts), so a blob costs at
 * most `retries + 1` tries of any one request; a confirmed step forward refills it.
 *
 * Nothing is committed unverified: the digest of everything sent is checked before the
 * closing PUT, and a failed upload's session is cancelled (DELETE, failures ignored).
 * Chunks are streamed from the source, never buffered, so the chunk size costs no memory.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobSource } from '../content/store.js';
import { algorithmOf, type Digest, isDigest } from '../digest.js';
import {
  DigestMismatchError,
  IntegrityError,
  ProtocolError,
  RegistryError,
  SizeMismatchError,
  UnauthorizedError,
} from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { isRetryable, ownerBudget, RetryBudget, type RetryOptions } from '../transport/retry.js';
import type { RegistryResponse } from '../transport/types.js';
import type { RepoContext } from './context.js';

/** UploadSession is an open upload: the URL to send the content to. */
export interface UploadSession {
  readonly location: string;
  /** The registry's `OCI-Chunk-Min-Length`, when it sent one. */
  readonly minChunkLength?: number;
}

export type { BlobSource };

/** UploadRetry is the part of the retry policy that paces resumes. */
export type UploadRetry = Pick<
  RetryOptions,
  'retries' | 'minDelay' | 'maxDelay' | 'maxRetryAfter' | 'sleep' | 'random'
>;

/** ResumeInfo describes a broken chunk the upload is about to recover from. */
export interface ResumeInfo {
  error: Error;
  /** Recoveries so far without progress, from 1. */
  attempt: number;
  /** Where the registry said it was (undefined when the session was lost). */
  offset: number | undefined;
  /** True when the whole upload starts again in a new session. */
  restarted: boolean;
}

/** UploadOptions tunes RegistryBlobs.uploadFrom. */
export interface UploadOptions {
  signal?: AbortSignal;
  /** A session opened before (a refused mount answers with one). */
  session?: UploadSession;
  /**
   * Upload blobs larger than this in chunks of this many bytes (PATCH). Default:
   * monolithic, unless the registry refuses it.
   */
  chunkSize?: number;
  /**
   * Pacing of chunk resumes (retries without progress, backoff). Inside an owned attempt
   * (the copy's blob loop) resumes draw from the owner's budget instead.
   */
  retry?: UploadRetry;
  /** Called before a broken chunk is resumed. */
  onResume?: (info: ResumeInfo) => void;
  /** Bytes the registry has confirmed so far (chunked) or bytes read (monolithic). */
  onProgress?: (bytes: number) => void;
}

/** DEFAULT_CHUNK_SIZE is the chunk size used when the registry refused a monolithic upload. */
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
/** MIN_CHUNK_SIZE is the floor when a PATCH answered 413 makes chunks smaller. */
export const MIN_CHUNK_SIZE = 256 * 1024;

/**
 * chunkSizeFor is the PATCH size to use: the requested size raised to the registry's
 * `OCI-Chunk-Min-Length`. A large minimum is honoured as is: chunks are streamed, so it
 * costs no memory, and a minimum above the blob's size simply means one PATCH for the
 * whole blob (the last chunk may be shorter than the minimum) — the "cap it or go
 * monolithic" of docs/faults.md case #25 without refusing the registry's rule.
 */
export function chunkSizeFor(requested: number, minChunkLength?: number): number {
  const base = Number.isSafeInteger(requested) && requested > 0 ? requested : DEFAULT_CHUNK_SIZE;
  return minChunkLength !== undefined ? Math.max(base, minChunkLength) : base;
}

/** parseMinChunkLength reads `OCI-Chunk-Min-Length`; anything but a positive safe integer is ignored. */
export function parseMinChunkLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * parseUploadRange reads a `Range: 0-<end>` (inclusive) answer into the number of bytes
 * the registry holds. `0-0` is ambiguous in distribution (empty, or one byte); it is read
 * as empty. Undefined when absent or malformed.
 */
export function parseUploadRange(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(?:bytes=)?0-(\d{1,16})$/.exec(value.trim());
  if (!m) return undefined;
  const end = Number(m[1]);
  return end === 0 ? 0 : end + 1;
}

/** sessionLocation resolves a (possibly relative) upload Location against the answering URL. */
export function sessionLocation(location: string | undefined, base: string): string {
  if (!location)
    throw new ProtocolError('the registry answered an upload request without a Location');
  return new URL(location, base).toString();
}

/** sessionFrom reads the session a POST (or a refused mount, or a PATCH) answered with. */
export function sessionFrom(res: RegistryResponse): UploadSession {
  const min = parseMinChunkLength(res.header('oci-chunk-min-length'));
  return {
    location: sessionLocation(res.header('location'), res.url),
    ...(min !== undefined && { minChunkLength: min }),
  };
}

/**
 * checkDigestHeader fails when a registry reports another digest than the one sent.
 * The header is optional (conformance runs without it), so absence is fine.
 */
export function checkDigestHeader(
  header: string | undefined,
  expected: Digest,
  what: string,
): void {
  if (header === undefined || header === '') return;
  if (!isDigest(header) || header !== expected) {
    throw new DigestMismatchError(expected, header, `${what} (Docker-Content-Digest)`);
  }
}

/** SessionOps are the session calls a chunked upload shares with monolithic ones. */
export interface SessionOps {
  start(signal?: AbortSignal): Promise<UploadSession>;
  cancel(session: UploadSession): Promise<void>;
  /** exists tells whether the repository holds the blob (after a commit whose answer was lost). */
  exists(signal?: AbortSignal): Promise<boolean>;
}

/**
 * AskRegistry: a chunk was answered oddly (201, 416, a Range other than expected), so the
 * registry is asked where the upload is. Thrown out as a ProtocolError once resumes run out.
 */
class AskRegistry extends ProtocolError {
  constructor(
    message: string,
    /** The session as the odd answer left it (its Location, when it sent one). */
    readonly session: UploadSession,
  ) {
    super(message);
  }
}

/**
 * ByteReader hands out a stream's bytes in pieces of at most a given size, remembering
 * its position in the blob and the first error the stream had.
 */
class ByteReader {
  readonly #it: AsyncIterator<unknown>;
  #rest: Buffer | undefined;
  position: number;
  error: unknown;

  constructor(
    readonly body: Readable,
    start: number,
  ) {
    this.position = start;
    body.on('error', (e) => {
      this.error ??= e;
    });
    this.#it = body[Symbol.asyncIterator]();
  }

  /** read returns up to `max` bytes, or undefined at the end of the stream. */
  async read(max: number): Promise<Buffer | undefined> {
    let buf = this.#rest;
    this.#rest = undefined;
    if (!buf) {
      const r = await this.#it.next();
      if (r.done) return undefined;
      buf = typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    }
    if (buf.length > max) {
      this.#rest = buf.subarray(max);
      buf = buf.subarray(0, max);
    }
    this.position += buf.length;
    return buf;
  }

  destroy(): void {
    this.body.destroy();
  }
}

/**
 * ChunkedUpload sends one blob in chunks and resumes broken ones. `run` resolves once
 * the blob is committed, and otherwise cancels the session and throws.
 */
export class ChunkedUpload {
  readonly #ctx: RepoContext;
  readonly #ops: SessionOps;
  readonly #desc: Descriptor;
  readonly #source: BlobSource;
  readonly #opts: UploadOptions;
  readonly #what: string;
  #chunk: number;
  #session: UploadSession | undefined;

  constructor(
    ctx: RepoContext,
    ops: SessionOps,
    desc: Descriptor,
    source: BlobSource,
    opts: UploadOptions & { chunkSize: number },
  ) {
    this.#ctx = ctx;
    this.#ops = ops;
    this.#desc = desc;
    this.#source = source;
    this.#opts = opts;
    this.#chunk = opts.chunkSize;
    this.#session = opts.session;
    this.#what = `blob ${desc.digest} to ${ctx.registry}/${ctx.name}`;
  }

  async run(): Promise<void> {
    const { signal } = this.#opts;
    const size = this.#desc.size;
    const alg = algorithmOf(this.#desc.digest);
    // One budget for the blob: the owner's (the copy's blob loop), else one of its own.
    const budget = ownerBudget(signal) ?? new RetryBudget(this.#opts.retry);
    let session = this.#session ?? (await this.#ops.start(signal));
    let chunk = chunkSizeFor(this.#chunk, session.minChunkLength);
    // Hash states at the chunk boundaries sent so far (offset → state of bytes before it).
    let boundaries = new Map<number, Hash>([[0, createHash(alg)]]);
    let offset = 0; // bytes the registry holds
    let best = 0; // most bytes it ever confirmed (progress refills the budget)
    let reader: ByteReader | undefined;
    let hash = createHash(alg);
    let inFlight = 0; // where the chunk being sent ends
    let committing = false;

    const restart = async () => {
      await this.#ops.cancel(session);
      session = await this.#ops.start(signal);
      chunk = chunkSizeFor(this.#chunk, session.minChunkLength);
      boundaries = new Map([[0, createHash(alg)]]);
      offset = 0;
      best = 0;
    };

    try {
      for (;;) {
        signal?.throwIfAborted();
        try {
          if (offset < size) {
            if (!reader || reader.position !== offset) {
              reader?.destroy();
              reader = undefined;
              ({ reader, hash } = await this.#open(offset, boundaries, alg));
            }
            const n = Math.min(chunk, size - offset);
            inFlight = offset + n;
            session = await this.#patch(session, offset, n, reader, hash, boundaries);
            offset += n;
            if (offset > best) {
              best = offset;
              budget.refill();
            }
            this.#opts.onProgress?.(offset);
            continue;
          }
          // Everything is at the registry: check it before committing anything.
          if (reader) await this.#expectEnd(reader);
          const state = reader && reader.position === size ? hash : boundaries.get(size);
          const actual = `${alg}:${(state ?? createHash(alg)).copy().digest('hex')}`;
          if (actual !== this.#desc.digest) {
            throw new DigestMismatchError(this.#desc.digest, actual, this.#what);
          }
          committing = true;
          await this.#commit(session);
          return;
        } catch (e) {
          if (committing) {
            committing = false;
            // The session holds every byte: only the closing PUT is sent again. An answer
            // lost after the registry committed makes the replay find no session (404);
            // the blob tells.
            const retry = isRetryable(e) ? budget.take(e) : undefined;
            if (retry) {
              this.#opts.onResume?.({
                error: e as Error,
                attempt: retry.attempt,
                offset: size,
                restarted: false,
              });
              await budget.wait(retry.delayMs, signal);
              continue;
            }
            if (await this.#ops.exists(signal).catch(() => false)) return;
            throw e;
          }
          const sourceError = reader?.error;
          // A failing source is the cause, not the PATCH it brought down.
          if (sourceError instanceof IntegrityError) throw sourceError;
          if (e instanceof IntegrityError || !resumable(e)) throw e;
          // The source can be read on without a new request when the broken chunk was
          // read whole (its answer was odd or lost), should the registry have all of it.
          const intact =
            reader !== undefined && reader.error === undefined && reader.position === inFlight;
          if (!intact) {
            reader?.destroy();
            reader = undefined;
          }
          const retry = budget.take(e);
          if (!retry) throw e;
          if (e instanceof RegistryError && e.status === 413) {
            chunk = Math.max(MIN_CHUNK_SIZE, Math.floor(chunk / 2), session.minChunkLength ?? 0);
          }
          // An odd answer is asked about at once; a failure waits its delay (Retry-After).
          if (e instanceof AskRegistry) session = e.session;
          else await budget.wait(retry.delayMs, signal);
          let at: number | undefined;
          const status = await this.#status(session);
          if (status) {
            session = status.session;
            at = status.offset;
          }
          const known = at !== undefined && at <= size && boundaries.has(at);
          this.#opts.onResume?.({
            error: e as Error,
            attempt: retry.attempt,
            offset: at,
            restarted: !known,
          });
          if (known) {
            offset = at as number;
            if (offset > best) {
              // The registry had more than confirmed (ECR's 201, a lost answer): progress.
              best = offset;
              budget.refill();
            }
          } else await restart();
          if (reader && reader.position !== offset) {
            reader.destroy();
            reader = undefined;
          }
        }
      }
    } catch (e) {
      reader?.destroy();
      await this.#ops.cancel(session);
      throw e;
    }
  }

  /** #open reads the source from `offset` and the hash state that goes with it. */
  async #open(
    offset: number,
    boundaries: Map<number, Hash>,
    alg: string,
  ): Promise<{ reader: ByteReader; hash: Hash }> {
    const { body, start } = await this.#source.openAt(offset, this.#opts.signal);
    const reader = new ByteReader(body, start);
    if (start === offset) return { reader, hash: boundaries.get(offset)!.copy() };
    // The source sent more than asked for (200 instead of 206): hash from its start,
    // skipping (not sending) the bytes the registry already holds.
    if (start > offset) {
      reader.destroy();
      throw new ProtocolError(`${this.#what}: the source answered from ${start}, not ${offset}`);
    }
    const hash = createHash(alg);
    while (reader.position < offset) {
      const buf = await reader.read(offset - reader.position);
      if (!buf) {
        throw new SizeMismatchError(this.#desc.size, reader.position, `${this.#what} (source)`);
      }
      hash.update(buf);
    }
    return { reader, hash };
  }

  /** #patch sends bytes [offset, offset+n) and returns the session to use next. */
  async #patch(
    session: UploadSession,
    offset: number,
    n: number,
    reader: ByteReader,
    hash: Hash,
    boundaries: Map<number, Hash>,
  ): Promise<UploadSession> {
    const size = this.#desc.size;
    const what = this.#what;
    async function* bytes(): AsyncGenerator<Buffer> {
      let left = n;
      while (left > 0) {
        const buf = await reader.read(left);
        if (!buf) throw new SizeMismatchError(size, reader.position, `${what} (source)`);
        hash.update(buf);
        left -= buf.length;
        // The whole chunk was read: its end is a boundary even if the answer gets lost
        // (the registry may have all of it, and then says so).
        if (left === 0) boundaries.set(offset + n, hash.copy());
        yield buf;
      }
    }
    const res = await this.#ctx.send({
      method: 'PATCH',
      path: session.location,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(n),
        'content-range': `${offset}-${offset + n - 1}`,
      },
      body: Readable.from(bytes(), { objectMode: false }),
      scopes: [this.#ctx.push],
      expect: [202, 201, 416],
      what: `upload a chunk (${offset}-${offset + n - 1}) of ${what}`,
      ...(this.#opts.signal && { signal: this.#opts.signal }),
    });
    await res.dump();
    const next = res.header('location')
      ? { ...session, location: sessionLocation(res.header('location'), res.url) }
      : session;
    if (res.status === 416) {
      throw new AskRegistry(`the registry refused chunk ${offset}-${offset + n - 1} (416)`, next);
    }
    if (res.status === 201) {
      // ECR answers 201; what it holds is confirmed with a status request (tart#273).
      throw new AskRegistry('the registry answered a chunk with 201 instead of 202', next);
    }
    const range = parseUploadRange(res.header('range'));
    if (range !== undefined && range !== offset + n) {
      throw new AskRegistry(
        `the registry holds ${range} bytes after chunk ${offset}-${offset + n - 1}`,
        next,
      );
    }
    return next;
  }

  /**
   * #status asks the registry where the upload is (GET <location> → 204 with Range).
   * Undefined when the session is gone (404), so the caller restarts the upload.
   */
  async #status(
    session: UploadSession,
  ): Promise<{ session: UploadSession; offset: number } | undefined> {
    const res = await this.#ctx.send({
      method: 'GET',
      path: session.location,
      scopes: [this.#ctx.push],
      expect: [204, 200, 404],
      what: `check the upload of ${this.#what}`,
      ...(this.#opts.signal && { signal: this.#opts.signal }),
    });
    await res.dump();
    if (res.status === 404) return undefined;
    const location = res.header('location');
    return {
      session: location ? { ...session, location: sessionLocation(location, res.url) } : session,
      offset: parseUploadRange(res.header('range')) ?? 0,
    };
  }

  /** #expectEnd fails when the source has more bytes than the descriptor says. */
  async #expectEnd(reader: ByteReader): Promise<void> {
    const extra = await reader.read(1);
    if (extra) {
      throw new SizeMismatchError(this.#desc.size, reader.position, `${this.#what} (source)`);
    }
  }

  /** #commit closes the session with `PUT <location>&digest=` and no body. */
  async #commit(session: UploadSession): Promise<void> {
    const res = await this.#ctx.send({
      method: 'PUT',
      path: session.location,
      query: { digest: this.#desc.digest },
      headers: { 'content-type': 'application/octet-stream', 'content-length': '0' },
      body: new Uint8Array(0),
      scopes: [this.#ctx.push],
      expect: [201],
      what: `commit the upload of ${this.#what}`,
      // run() sends it again from the budget, asking the registry about a lost answer.
      retry: false,
      ...(this.#opts.signal && { signal: this.#opts.signal }),
    });
    await res.dump();
    checkDigestHeader(res.header('docker-content-digest'), this.#desc.digest, 'uploaded blob');
  }
}

/**
 * resumable tells whether a broken chunk can be recovered by asking the registry where
 * it is: transient failures, an odd answer, an expired token (401: the transport learnt
 * the challenge and authenticates the status request), a 413 (smaller chunks), and a
 * lost session (404 on the PATCH: the status request finds it gone and the upload restarts).
 */
function resumable(e: unknown): boolean {
  if (e instanceof AskRegistry) return true;
  if (e instanceof UnauthorizedError) return e.status === 401;
  if (e instanceof RegistryError && (e.status === 413 || e.status === 404)) return true;
  return isRetryable(e);
}
