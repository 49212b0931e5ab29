/**
 * Blobs of an OCI image layout: `blobs/<alg>/<hex>` files. Reads are verified as they
 * stream (VerifyingStream); writes hash while writing into a temporary file in `blobs/`
 * and are renamed under their digest only once size and digest are right, so a failed or
 * aborted write never leaves a partial blob under a digest name.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, rename, rm } from 'node:fs/promises';
import { pipeline as pipe, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Blobs, RangeReads } from '../content/store.js';
import { type Digest, parseDigest, VerifyingStream, verifyBytes } from '../digest.js';
import { ManifestInvalidError, SizeMismatchError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { type LayoutFiles, layoutNotFound } from './files.js';

const readChunk = 256 * 1024;

/** LayoutBlobs is the blob side of a layout. */
export class LayoutBlobs implements Blobs, RangeReads {
  constructor(private readonly files: LayoutFiles) {}

  /** stat tells whether the layout has a blob, and its size. */
  async stat(digest: Digest, _signal?: AbortSignal): Promise<{ size?: number } | undefined> {
    const size = await this.files.statBlob(digest);
    return size === undefined ? undefined : { size };
  }

  /**
   * get streams a blob file, verifying size and digest as it is read. A file whose size
   * differs from the descriptor fails before any byte is read.
   */
  async get(
    desc: Descriptor,
    signal?: AbortSignal,
    onProgress?: (received: number) => void,
  ): Promise<VerifyingStream> {
    const what = `blob ${desc.digest} in ${this.files.where}`;
    const fh = await this.#open(desc, what);
    const file = createReadStream('', {
      fd: fh,
      highWaterMark: readChunk,
      ...(signal && { signal }),
    });
    const verifier = new VerifyingStream(desc.digest, desc.size, what, onProgress);
    // pipeline destroys both sides on error, so a failed read fails the consumer.
    pipe(file, verifier, () => {});
    return verifier;
  }

  /**
   * getFrom streams a blob file from `offset`, unverified (the caller hashes what it
   * already has plus this), so a broken chunked upload out of a layout resumes without
   * reading the file again from the start.
   */
  async getFrom(
    desc: Descriptor,
    offset: number,
    signal?: AbortSignal,
  ): Promise<{ body: Readable; start: number }> {
    const what = `blob ${desc.digest} in ${this.files.where}`;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > desc.size) {
      throw new RangeError(`${what}: offset ${offset} is outside 0..${desc.size}`);
    }
    const fh = await this.#open(desc, what);
    const body = createReadStream('', {
      fd: fh,
      start: offset,
      highWaterMark: readChunk,
      ...(signal && { signal }),
    });
    return { body, start: offset };
  }

  /** #open opens a blob file whose size is the descriptor's. */
  async #open(desc: Descriptor, what: string): Promise<FileHandle> {
    const fh = await this.files.openBlob(desc.digest);
    if (fh === undefined) throw layoutNotFound(this.files.where, `${what} not found`);
    try {
      const s = await fh.stat();
      if (s.size !== desc.size) throw new SizeMismatchError(desc.size, s.size, `${what} (file)`);
    } catch (e) {
      await fh.close();
      throw e;
    }
    return fh;
  }

  /**
   * upload stores a blob: the body is hashed while it is written to a temporary file in
   * `blobs/`, which is renamed to `blobs/<alg>/<hex>` only when size and digest match. On
   * any failure the temporary file is removed.
   */
  async upload(desc: Descriptor, body: Readable | Uint8Array, signal?: AbortSignal): Promise<void> {
    const digest = parseDigest(desc.digest);
    const what = `blob ${digest} written to ${this.files.where}`;
    if (body instanceof Uint8Array) {
      verifyBytes(body, digest, what, desc.size);
      await this.files.writeBlob(digest, body, signal);
      return;
    }
    if (!Number.isSafeInteger(desc.size) || desc.size < 0) {
      body.destroy();
      throw new ManifestInvalidError(`${what}: size ${desc.size} is not a non-negative integer`);
    }
    const path = this.files.blobPath(digest);
    await this.files.blobDir(digest);
    const tmp = this.files.tempPath();
    try {
      await pipeline(
        body,
        new VerifyingStream(digest, desc.size, what),
        createWriteStream(tmp, { flags: 'wx', flush: true }),
        { ...(signal && { signal }) },
      );
      await rename(tmp, path);
    } catch (e) {
      body.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
  }
}
