/**
 * Media types this tool reads and writes.
 * References: OCI image-spec v1.1.0 media-types.md; Docker image manifest v2 schema 2.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
export const DOCKER_SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_SCHEMA1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

/** The artifact type cosign gives its signatures. */
export const COSIGN_SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
/** The layer media type of cosign "simple signing" payloads. */
export const COSIGN_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';

/** Index media types: manifests that list other manifests. */
export const INDEX_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/** Image media types: manifests that list a config and layers. */
export const IMAGE_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** Every manifest type, in the order sent in `Accept`. */
export const MANIFEST_TYPES: readonly string[] = [...INDEX_TYPES, ...IMAGE_TYPES];

/** isIndexType tells whether a media type lists other manifests. */
export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.includes(mediaType);
}

/** isManifestType tells whether a media type is a manifest (not a blob). */
export function isManifestType(mediaType: string): boolean {
  return MANIFEST_TYPES.includes(mediaType);
}

/**
 * isNonDistributable tells whether a layer must not be copied between registries:
 * Docker foreign layers and OCI non-distributable layers are fetched from their `urls`.
 */
export function isNonDistributable(mediaType: string): boolean {
  return (
    mediaType === DOCKER_FOREIGN_LAYER ||
    mediaType.startsWith('application/vnd.oci.image.layer.nondistributable.')
  );
}

/** baseMediaType drops parameters: `a/b; charset=x` -> `a/b`. */
export function baseMediaType(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}
