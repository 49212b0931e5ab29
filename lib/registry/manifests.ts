/**
 * Manifest endpoints. Bytes are kept exactly as received and pushed exactly as given,
 * so digests never change in transit.
 *
 * References: distribution-spec v1.1.1 "Pulling manifests", "Checking if content
 * exists", "Pushing Manifests", "Deleting Manifests".
 */

import type { FetchedManifest, Manifests, PutResult } from '../content/store.js';
import { algorithmOf, type Digest, digestOf, isDigest } from '../digest.js';
import {
  DigestMismatchError,
  InvalidReferenceError,
  ManifestTooLargeError,
  RegistryNotFoundError,
  ResponseTooLargeError,
} from '../errors.js';
import { type Descriptor, MAX_MANIFEST_BYTES, parseManifest } from '../manifest.js';
import { baseMediaType, MANIFEST_TYPES } from '../media-types.js';
import { isValidTag } from '../reference.js';
import { checkDigestHeader } from './blobs.js';
import type { RepoContext } from './context.js';

const accept = MANIFEST_TYPES.join(', ');

/**
 * checkReference refuses, before any request, a reference that is neither a tag nor a
 * digest: references reach here from ledgers, records and indexes a registry served, and
 * `../../other/app/manifests/…` must never become a request path.
 */
function checkReference(reference: string, digestOnly = false): void {
  if (isDigest(reference) || (!digestOnly && isValidTag(reference))) return;
  const shown = JSON.stringify(reference.length > 80 ? `${reference.slice(0, 77)}...` : reference);
  throw new InvalidReferenceError(
    `invalid manifest reference ${shown}: expected ${digestOnly ? '' : 'a tag or '}a digest (sha256:<64 hex>)`,
  );
}

export type { FetchedManifest, PutResult };

/** RegistryManifests is the manifest side of one repository (the registry's Manifests). */
export class RegistryManifests implements Manifests {
  constructor(private readonly ctx: RepoContext) {}

  /**
   * head resolves a tag or digest to a descriptor without the body, or undefined
   * when absent. When the registry omits the digest header it falls back to GET.
   */
  async head(reference: string, signal?: AbortSignal): Promise<Descriptor | undefined> {
    checkReference(reference);
    const res = await this.ctx.send({
      method: 'HEAD',
      path: this.ctx.path(`manifests/${reference}`),
      headers: { accept },
      scopes: [this.ctx.pull],
      expect: [200, 404],
      what: `check manifest ${this.ctx.registry}/${this.ctx.name}${isDigest(reference) ? '@' : ':'}${reference}`,
      ...(signal && { signal }),
    });
    await res.dump();
    if (res.status === 404) return undefined;
    const digest = res.header('docker-content-digest');
    const type = res.header('content-type');
    const length = Number(res.header('content-length'));
    if (digest && isDigest(digest) && type && Number.isSafeInteger(length)) {
      if (isDigest(reference) && digest !== reference) {
        throw new DigestMismatchError(
          reference,
          digest,
          `manifest ${this.ctx.name}@${reference} (HEAD)`,
        );
      }
      return { mediaType: baseMediaType(type), digest, size: length };
    }
    return (await this.get(reference, signal)).descriptor;
  }

  /** resolve is head that fails with RegistryNotFoundError when the reference does not exist. */
  async resolve(reference: string, signal?: AbortSignal): Promise<Descriptor> {
    const desc = await this.head(reference, signal);
    if (desc) return desc;
    const where = `${this.ctx.registry}/${this.ctx.name}${isDigest(reference) ? '@' : ':'}${reference}`;
    throw new RegistryNotFoundError({
      status: 404,
      method: 'HEAD',
      url: where,
      message: `${where} not found`,
    });
  }

  /**
   * get fetches a manifest. By digest, the bytes must hash to it; by tag, the digest
   * is computed from the bytes and must agree with `Docker-Content-Digest` when sent.
   */
  async get(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    checkReference(reference);
    const where = `manifest ${this.ctx.registry}/${this.ctx.name}${isDigest(reference) ? '@' : ':'}${reference}`;
    const res = await this.ctx
      .send({
        method: 'GET',
        path: this.ctx.path(`manifests/${reference}`),
        headers: { accept },
        scopes: [this.ctx.pull],
        expect: [200],
        what: `fetch ${where}`,
        // Read inside the transport's retry loop: a body that breaks off is retried there.
        read: { limit: MAX_MANIFEST_BYTES },
        ...(signal && { signal }),
      })
      .catch((e: unknown) => {
        if (e instanceof ResponseTooLargeError) {
          throw new ManifestTooLargeError(
            `${where} exceeds the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
          );
        }
        throw e;
      });
    const bytes = await res.bytes(MAX_MANIFEST_BYTES);
    const header = res.header('docker-content-digest');
    let digest: Digest;
    if (isDigest(reference)) {
      digest = digestOf(bytes, algorithmOf(reference));
      if (digest !== reference) throw new DigestMismatchError(reference, digest, where);
    } else {
      digest = digestOf(bytes, header && isDigest(header) ? algorithmOf(header) : 'sha256');
      checkDigestHeader(header, digest, where);
    }
    const contentType = res.header('content-type');
    const manifest = parseManifest(bytes, contentType);
    return {
      descriptor: { mediaType: manifest.mediaType, digest, size: bytes.byteLength },
      bytes,
      manifest,
    };
  }

  /** put stores manifest bytes under a tag or their digest; Content-Type is the media type. */
  async put(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    checkReference(reference);
    const digest = digestOf(bytes, isDigest(reference) ? algorithmOf(reference) : 'sha256');
    if (isDigest(reference) && reference !== digest) {
      throw new DigestMismatchError(reference, digest, `manifest pushed as ${reference}`);
    }
    const res = await this.ctx.send({
      method: 'PUT',
      path: this.ctx.path(`manifests/${reference}`),
      headers: { 'content-type': mediaType },
      body: bytes,
      scopes: [this.ctx.push],
      expect: [201],
      what: `push manifest ${this.ctx.registry}/${this.ctx.name}${isDigest(reference) ? '@' : ':'}${reference}`,
      ...(signal && { signal }),
    });
    await res.dump();
    checkDigestHeader(res.header('docker-content-digest'), digest, 'pushed manifest');
    return { digest, subjectIndexed: res.header('oci-subject') !== undefined };
  }

  /** delete removes a manifest by digest (202); some registries answer 405. */
  async delete(digest: Digest): Promise<void> {
    checkReference(digest, true);
    const res = await this.ctx.send({
      method: 'DELETE',
      path: this.ctx.path(`manifests/${digest}`),
      scopes: [this.ctx.delete],
      expect: [202],
      what: `delete manifest ${this.ctx.name}@${digest}`,
    });
    await res.dump();
  }
}
