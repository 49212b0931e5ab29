/**
 * Content digests (OCI image-spec descriptor.md "Digests"). Only sha256 and sha512 are
 * accepted, with lowercase hex of the exact length, so a digest can be put into a URL
 * or a file name without further checks (CVE-2024-3727, ollama#17178).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, InvalidDigestError, SizeMismatchError } from './errors.js';

/** Digest is a validated `algorithm:hex` string. */
export type Digest = string & { readonly __brand: 'Digest' };

/** DigestAlgorithm lists the algorithms this tool computes and accepts. */
export type DigestAlgorithm = 'sha256' | 'sha512';

const hexLength: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const digestPattern = /^(sha256|sha512):([a-f0-9]+)$/;

/** parseDigest validates a digest string and returns it branded. */
export function parseDigest(value: string): Digest {
  const m = digestPattern.exec(value);
  if (!m) {
    throw new InvalidDigestError(
      `invalid digest ${JSON.stringify(truncate(value))}: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>`,
    );
  }
  const alg = m[1] as DigestAlgorithm;
  if (m[2]!.length !== hexLength[alg]) {
    throw new InvalidDigestError(
      `invalid digest ${JSON.stringify(truncate(value))}: ${alg} needs ${hexLength[alg]} hex characters, got ${m[2]!.length}`,
    );
  }
  return value as Digest;
}

/** isDigest tells whether a string is a valid digest, without throwing. */
export function isDigest(value: string): value is Digest {
  const m = digestPattern.exec(value);
  return m !== null && m[2]!.length === hexLength[m[1] as DigestAlgorithm];
}

/** algorithmOf returns the algorithm part of a digest. */
export function algorithmOf(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

/** hexOf returns the encoded part of a digest. */
export function hexOf(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/**
 * shortDigest shortens a digest for people to read: the algorithm and 12 hex characters,
 * `sha256:0123456789ab` (what `docker images` shows). Text that is not a digest is kept whole.
 */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon > 0 ? digest.slice(0, colon + 13) : digest;
}

/** digestOf hashes bytes held in memory. */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}

/** verifyBytes throws unless bytes have the expected digest (and size, when given). */
export function verifyBytes(
  bytes: Uint8Array,
  expected: Digest,
  what: string,
  size?: number,
): void {
  if (size !== undefined && bytes.byteLength !== size) {
    throw new SizeMismatchError(size, bytes.byteLength, what);
  }
  const actual = digestOf(bytes, algorithmOf(expected));
  if (actual !== expected) throw new DigestMismatchError(expected, actual, what);
}

/**
 * SizedStream passes exactly `size` bytes through: it fails as soon as more arrive, and at
 * the end when fewer did. VerifyingStream adds the digest; alone it bounds a stream whose
 * reader hashes the bytes itself (a ranged read to resume an upload).
 */
export class SizedStream extends Transform {
  #received = 0;

  constructor(
    readonly size: number,
    readonly what: string,
    /** Called after each chunk with the bytes received so far (progress reporting). */
    private readonly onProgress?: (received: number) => void,
  ) {
    super();
  }

  /** Bytes that have passed through so far. */
  get received(): number {
    return this.#received;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#received += chunk.length;
    if (this.#received > this.size) {
      done(new SizeMismatchError(this.size, this.#received, this.what));
      return;
    }
    this.onProgress?.(this.#received);
    this.pass(chunk, done);
  }

  override _flush(done: TransformCallback): void {
    if (this.#received !== this.size) {
      done(new SizeMismatchError(this.size, this.#received, this.what));
      return;
    }
    this.finish(done);
  }

  /** pass hands on a chunk that is within the size. */
  protected pass(chunk: Buffer, done: TransformCallback): void {
    done(null, chunk);
  }

  /** finish ends a stream that had exactly `size` bytes. */
  protected finish(done: TransformCallback): void {
    done();
  }
}

/**
 * VerifyingStream passes bytes through while hashing and counting them. It fails as
 * soon as more than `size` bytes arrive, and at the end when the size or digest is wrong.
 *
 * The last chunk is held back until the digest is checked, so a consumer that uploads
 * the stream never receives the complete body of a blob whose digest is wrong: the
 * registry cannot commit it even if it did not check the digest itself.
 */
export class VerifyingStream extends SizedStream {
  #hash: Hash;
  #held: Buffer | undefined;

  constructor(
    readonly expected: Digest,
    size: number,
    what: string,
    onProgress?: (received: number) => void,
  ) {
    super(size, what, onProgress);
    this.#hash = createHash(algorithmOf(expected));
  }

  protected override pass(chunk: Buffer, done: TransformCallback): void {
    this.#hash.update(chunk);
    const previous = this.#held;
    this.#held = chunk;
    done(null, previous);
  }

  protected override finish(done: TransformCallback): void {
    const actual = `${algorithmOf(this.expected)}:${this.#hash.digest('hex')}`;
    if (actual !== this.expected) {
      done(new DigestMismatchError(this.expected, actual, this.what));
      return;
    }
    done(null, this.#held);
  }
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
