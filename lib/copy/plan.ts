/**
 * Pure planning steps of a copy: which index entries a platform filter keeps.
 */
import type { FetchedManifest } from '../content/store.js';
import { type Digest, digestOf } from '../digest.js';
import { UsageError } from '../errors.js';
import type { Descriptor, IndexManifest } from '../manifest.js';
import { formatPlatform, type Platform, platformMatches } from '../platform.js';

/** Annotations BuildKit puts on attestation manifests inside an index. */
const REFERENCE_TYPE = 'vnd.docker.reference.type';
const REFERENCE_DIGEST = 'vnd.docker.reference.digest';

/**
 * selectPlatforms returns the index entries to keep for the wanted platforms: every
 * matching entry, plus BuildKit attestation entries that describe a kept entry.
 */
export function selectPlatforms(index: IndexManifest, wanted: readonly Platform[]): Descriptor[] {
  const kept = index.manifests.filter((d) => wanted.some((w) => platformMatches(d.platform, w)));
  const keptDigests = new Set<Digest>(kept.map((d) => d.digest));
  return index.manifests.filter(
    (d) =>
      keptDigests.has(d.digest) ||
      (d.annotations?.[REFERENCE_TYPE] === 'attestation-manifest' &&
        keptDigests.has(d.annotations[REFERENCE_DIGEST] as Digest)),
  );
}

/**
 * filterIndexBytes rewrites an index to list only `keep`, leaving every other field of
 * the original JSON as it was. The result has a new digest, which the copy reports.
 */
export function filterIndexBytes(bytes: Uint8Array, keep: readonly Descriptor[]): Buffer {
  const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
    manifests: { digest: string }[];
  };
  const wanted = new Set<string>(keep.map((d) => d.digest));
  json.manifests = json.manifests.filter((m) => wanted.has(m.digest));
  return Buffer.from(JSON.stringify(json));
}

/**
 * filterRoot applies `--platform` to a source root: an index keeps the matching entries
 * (a new manifest with a new digest; the same root when all match); a single image is a
 * usage error, as is an index with no match.
 */
export function filterRoot(root: FetchedManifest, platforms: readonly Platform[]): FetchedManifest {
  const wanted = platforms.map(formatPlatform).join(', ');
  if (root.manifest.kind !== 'index') {
    throw new UsageError(
      `--platform ${wanted} applies to multi-platform indexes; ${root.descriptor.digest} is a single image`,
    );
  }
  const keep = selectPlatforms(root.manifest, platforms);
  if (keep.length === 0) {
    throw new UsageError(
      `no manifest in index ${root.descriptor.digest} matches --platform ${wanted}`,
    );
  }
  if (keep.length === root.manifest.manifests.length) return root;
  const bytes = filterIndexBytes(root.bytes, keep);
  return {
    bytes,
    manifest: { ...root.manifest, manifests: keep },
    descriptor: {
      mediaType: root.descriptor.mediaType,
      digest: digestOf(bytes),
      size: bytes.byteLength,
    },
  };
}
