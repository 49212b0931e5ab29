/**
 * Blob endpoints: existence, verified download, upload (POST then monolithic PUT),
 * cross-repository mount, delete.
 *
 * References: distribution-spec v1.1.1 "Pulling blobs", "Checking if content exists",
 * "POST then PUT", "Mounting a blob from another repository", "Deleting blobs".
 */
import { pipeline, type Readable } from 'node:stream';
import { type Digest, isDigest, VerifyingStream } from '../digest.js';
import {
  DigestMismatchError,
  ProtocolError,
  ResponseTooLargeError,
  SizeMismatchError,
  UnauthorizedError,
} from '../errors.js';
import type { Descriptor } from '../manifest.js';
import type { RepoContext } from './context.js';

/** UploadSession is an open upload: the URL to send the content to. */
export interface UploadSession {
  readonly location: string;
}

/** MountResult says whether a mount happened, or hands over the session a refused mount opened. */
export type MountResult = { mounted: true } | { mounted: false; session?: UploadSession };

/** BlobStore is the blob side of one repository. */
export class BlobStore {
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
    for await (const chunk of await this.get(desc, signal)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * get streams a blob, verifying size and digest as bytes arrive. A `Content-Length`
   * that disagrees with the descriptor fails before any byte is read.
   */
  async get(
    desc: Descriptor,
    signal?: AbortSignal,
    onProgress?: (received: number) => void,
  ): Promise<VerifyingStream> {
    const what = `blob ${desc.digest} from ${this.ctx.registry}/${this.ctx.name}`;
    const res = await this.ctx.send({
      method: 'GET',
      path: this.ctx.path(`blobs/${desc.digest}`),
      scopes: [this.ctx.pull],
      expect: [200],
      what: `fetch ${what}`,
      ...(signal && { signal }),
    });
    const length = res.header('content-length');
    if (length !== undefined && Number(length) !== desc.size) {
      res.body.destroy();
      throw new SizeMismatchError(desc.size, Number(length), `${what} (Content-Length)`);
    }
    const verifier = new VerifyingStream(desc.digest, desc.size, what, onProgress);
    // pipeline destroys both sides on error, so a broken download fails the consumer.
    pipeline(res.body, verifier, () => {});
    return verifier;
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
    return { location: sessionLocation(res.header('location'), res.url) };
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
    // The Location may carry state in its query (distribution's `_state`): keep it
    // and append the digest (spec "POST then PUT": do not assemble it yourself).
    const url = new URL(session.location);
    url.searchParams.append('digest', desc.digest);
    const res = await this.ctx.send({
      method: 'PUT',
      path: url.toString(),
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
      });
      await res.dump();
    } catch (e) {
      this.ctx.logger.debug({ err: (e as Error).message }, 'cancelling an upload failed');
    }
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
   * mount asks the registry to link a blob from another repository of the same registry.
   * 201 means done. 202 means refused but a normal upload session was opened, which the
   * caller can use. 401/403 (no pull right on the source, as on some registries) means
   * "upload instead", as ggcr does (#1681).
   */
  async mount(digest: Digest, from: string, signal?: AbortSignal): Promise<MountResult> {
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
      const location = res.header('location');
      return location
        ? { mounted: false, session: { location: sessionLocation(location, res.url) } }
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

/** sessionLocation resolves a (possibly relative) upload Location against the answering URL. */
function sessionLocation(location: string | undefined, base: string): string {
  if (!location)
    throw new ProtocolError('the registry answered an upload request without a Location');
  return new URL(location, base).toString();
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
