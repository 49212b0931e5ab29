/** The committed fixtures, pushed in one call each (skopeo, plus raw HTTP for artifacts). */

import { pushBlob, pushManifest } from './http.js';
import {
  ARTIFACTS_LAYOUT,
  BUSYBOX_LAYOUT,
  blobPath,
  type LayoutDescriptor,
  layoutRefs,
  readLayoutBlob,
} from './layout.js';
import { pushLayout } from './skopeo.js';
import { OCI_INDEX, OCI_MANIFEST, sha256, type Target } from './target.js';

interface ManifestLike {
  mediaType?: string;
  config?: LayoutDescriptor;
  layers?: LayoutDescriptor[];
  manifests?: LayoutDescriptor[];
}

/**
 * Pushes the manifest `digest` of `layout` and everything it references that the layout
 * holds (children first, blobs before manifests), byte for byte, then tags it with `tag`
 * (or pushes it by digest when `tag` is omitted). Descriptors absent from the layout (e.g.
 * a `subject`) are not followed. Returns the digest.
 */
export async function pushFromLayout(
  target: Target,
  layout: string,
  digest: string,
  repo: string,
  tag?: string,
  mediaType?: string,
): Promise<string> {
  const bytes = await readLayoutBlob(layout, digest);
  if (sha256(bytes) !== digest) throw new Error(`layout blob ${digest} does not match its digest`);
  const doc = JSON.parse(bytes.toString('utf8')) as ManifestLike;
  const type = mediaType ?? doc.mediaType ?? (doc.manifests ? OCI_INDEX : OCI_MANIFEST);
  for (const child of doc.manifests ?? []) {
    await pushFromLayout(target, layout, child.digest, repo, undefined, child.mediaType);
  }
  for (const d of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
    await pushBlob(target, repo, { path: blobPath(layout, d.digest), digest: d.digest });
  }
  return pushManifest(target, repo, tag ?? digest, bytes, type);
}

export interface SeededBusybox {
  /** Digest of the OCI image (linux/amd64), tagged `amd64`. */
  image: string;
  /** Digest of the arm64 image, tagged `arm64`. */
  arm64: string;
  /** Digest of the OCI index over both, tagged `multiarch`. */
  index: string;
}

/** Pushes the busybox layout with skopeo: tags `amd64`, `arm64`, `multiarch` in `repo`. */
export async function seedBusybox(target: Target, repo: string): Promise<SeededBusybox> {
  const image = await pushLayout(target, BUSYBOX_LAYOUT, 'amd64', repo);
  const arm64 = await pushLayout(target, BUSYBOX_LAYOUT, 'arm64', repo);
  const index = await pushLayout(target, BUSYBOX_LAYOUT, 'multiarch', repo);
  return { image, arm64, index };
}

export interface SeededReferrers {
  /** The busybox amd64 image digest (the subject). */
  subject: string;
  /** SBOM artifact manifest digest (pushed by digest only, as referrers are). */
  sbom: string;
  /** Tag `sha256-<hex>` holding the fallback index, and that index's digest. */
  fallbackTag: string;
  fallbackIndex: string;
  /** Tag `sha256-<hex>.sig` holding the cosign-style signature, and its digest. */
  sigTag: string;
  sig: string;
}

/**
 * Pushes the busybox amd64 image (skopeo, tag `tag`) and its artifacts over raw HTTP: the
 * SBOM by digest, the tag-schema fallback index under `sha256-<hex>`, and the cosign-style
 * signature under `sha256-<hex>.sig`.
 */
export async function seedWithReferrers(
  target: Target,
  repo: string,
  tag = 'amd64',
): Promise<SeededReferrers> {
  const subject = await pushLayout(target, BUSYBOX_LAYOUT, 'amd64', repo, tag);
  const refs = await layoutRefs(ARTIFACTS_LAYOUT);
  const hex = subject.slice('sha256:'.length);
  const fallbackTag = `sha256-${hex}`;
  const sigTag = `${fallbackTag}.sig`;
  const sbomDesc = refs.sbom;
  const fallbackDesc = refs[fallbackTag];
  const sigDesc = refs[sigTag];
  if (!sbomDesc || !fallbackDesc || !sigDesc) {
    throw new Error(
      `fixtures/oci-layouts/artifacts does not match the busybox subject ${subject}; run fixtures/build.sh`,
    );
  }
  const sbom = await pushFromLayout(target, ARTIFACTS_LAYOUT, sbomDesc.digest, repo);
  const fallbackIndex = await pushFromLayout(
    target,
    ARTIFACTS_LAYOUT,
    fallbackDesc.digest,
    repo,
    fallbackTag,
  );
  const sig = await pushFromLayout(target, ARTIFACTS_LAYOUT, sigDesc.digest, repo, sigTag);
  return { subject, sbom, fallbackTag, fallbackIndex, sigTag, sig };
}
