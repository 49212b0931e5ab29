/**
 * inspect: what a reference is (digest, type, size), what it runs on, and what refers to it.
 */
import type { Digest } from '../digest.js';
import { ManifestInvalidError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { DOCKER_CONFIG, OCI_CONFIG } from '../media-types.js';
import { formatPlatform } from '../platform.js';
import { formatReference, manifestReference, type Reference } from '../reference.js';
import { cosignTags } from './referrers.js';
import type { Repository } from './repository.js';

const maxConfigBytes = 4 * 1024 * 1024;

/** InspectReferrer is one referrer of the inspected manifest. */
export interface InspectReferrer {
  digest: Digest;
  mediaType: string;
  artifactType?: string;
  size: number;
  /** The cosign tag it is stored under, for cosign-style attachments. */
  tag?: string;
  annotations?: Record<string, string>;
}

/** InspectResult follows the CLI's `--json` contract. */
export interface InspectResult {
  reference: string;
  digest: Digest;
  mediaType: string;
  size: number;
  artifactType?: string;
  platforms: string[];
  referrers: InspectReferrer[];
  /** The manifest bytes exactly as stored. */
  raw: Buffer;
}

/** inspect describes a reference, reading only manifests, the config and referrer listings. */
export async function inspect(
  repo: Repository,
  ref: Reference,
  signal?: AbortSignal,
): Promise<InspectResult> {
  const { descriptor, manifest, bytes } = await repo.manifests.get(manifestReference(ref), signal);
  let platforms: string[] = [];
  if (manifest.kind === 'index') {
    platforms = manifest.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []));
  } else if (
    manifest.config.mediaType === OCI_CONFIG ||
    manifest.config.mediaType === DOCKER_CONFIG
  ) {
    const config = JSON.parse(
      (await repo.blobs.fetchBytes(manifest.config, maxConfigBytes, signal)).toString('utf8'),
    );
    if (typeof config?.os !== 'string' || typeof config?.architecture !== 'string') {
      throw new ManifestInvalidError(
        `image config ${manifest.config.digest} has no os/architecture`,
      );
    }
    platforms = [
      formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant }),
    ];
  }
  const [listed, cosign] = await Promise.all([
    repo.referrers.list(descriptor.digest, undefined, signal),
    cosignAttachments(repo, descriptor.digest, signal),
  ]);
  return {
    reference: formatReference({ ...ref, digest: descriptor.digest }),
    digest: descriptor.digest,
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    ...(manifest.artifactType !== undefined && { artifactType: manifest.artifactType }),
    platforms,
    referrers: [...listed.map((d) => toReferrer(d)), ...cosign],
    raw: bytes,
  };
}

function toReferrer(d: Descriptor, tag?: string): InspectReferrer {
  return {
    digest: d.digest,
    mediaType: d.mediaType,
    size: d.size,
    ...(d.artifactType !== undefined && { artifactType: d.artifactType }),
    ...(tag !== undefined && { tag }),
    ...(d.annotations !== undefined && { annotations: d.annotations }),
  };
}

async function cosignAttachments(
  repo: Repository,
  subject: Digest,
  signal?: AbortSignal,
): Promise<InspectReferrer[]> {
  const found = await Promise.all(
    cosignTags(subject).map(async (tag) => {
      const d = await repo.manifests.head(tag, signal);
      return d ? [toReferrer(d, tag)] : [];
    }),
  );
  return found.flat();
}
