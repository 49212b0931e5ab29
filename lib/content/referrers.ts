/**
 * Where referrers are kept without a referrers API, the same in every backend: the
 * distribution-spec tag schema (`<alg>-<hex>` names an index of a subject's referrers) and
 * cosign's `<alg>-<hex>.sig|.att|.sbom` tags.
 *
 * References: distribution-spec v1.1.1 "Referrers Tag Schema"; sigstore/cosign.
 */
import { algorithmOf, type Digest, hexOf } from '../digest.js';
import type { Descriptor, Manifest } from '../manifest.js';

/**
 * referrersTag is the fallback tag of a subject: `<alg>-<hex>`, the algorithm cut to 32
 * and the hex to 64 characters (so sha512 subjects share the schema's 64-char rule).
 */
export function referrersTag(subject: Digest): string {
  return `${algorithmOf(subject).slice(0, 32)}-${hexOf(subject).slice(0, 64)}`;
}

/** Cosign's tag suffixes: signatures, attestations, SBOMs (`sha256-<hex>.sig` etc.). */
export const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;

/** cosignTags lists the tags where cosign stores attachments of a subject. */
export function cosignTags(subject: Digest): string[] {
  return COSIGN_SUFFIXES.map((s) => `${referrersTag(subject)}.${s}`);
}

/** referrerDescriptor builds the descriptor that lists a manifest as a referrer. */
export function referrerDescriptor(desc: Descriptor, manifest: Manifest): Descriptor {
  const artifactType =
    manifest.artifactType ?? (manifest.kind === 'image' ? manifest.config.mediaType : undefined);
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(artifactType !== undefined && { artifactType }),
    ...(manifest.annotations !== undefined && { annotations: manifest.annotations }),
  };
}
