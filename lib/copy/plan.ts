/**
 * Pure planning steps of a copy: which index entries a platform filter keeps.
 */
import type { Digest } from '../digest.js';
import type { Descriptor, IndexManifest } from '../manifest.js';
import { type Platform, platformMatches } from '../platform.js';

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
