/**
 * Manifest parsing and validation. A manifest is parsed only to find what it refers to;
 * the bytes themselves are always copied unchanged so digests stay the same.
 *
 * References: OCI image-spec v1.1.0 manifest.md, image-index.md, descriptor.md;
 * CVE-2021-41190 (manifest/index confusion).
 */
import { type Digest, isDigest } from './digest.js';
import {
  ManifestInvalidError,
  ManifestTooLargeError,
  UnsupportedMediaTypeError,
} from './errors.js';
import {
  baseMediaType,
  DOCKER_SCHEMA1,
  DOCKER_SCHEMA1_SIGNED,
  isIndexType,
  isManifestType,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';
import type { Platform } from './platform.js';

/** The largest manifest accepted, as distribution's own limit (containers/image iolimits). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Descriptor points at content by digest (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

interface ManifestBase {
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly subject?: Descriptor;
  readonly annotations?: Record<string, string>;
}

/** ImageManifest lists a config and layers (OCI image manifest or Docker v2 schema 2). */
export interface ImageManifest extends ManifestBase {
  readonly kind: 'image';
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

/** IndexManifest lists other manifests (OCI index or Docker manifest list). */
export interface IndexManifest extends ManifestBase {
  readonly kind: 'index';
  readonly manifests: readonly Descriptor[];
}

/** Manifest is either kind. */
export type Manifest = ImageManifest | IndexManifest;

/**
 * parseManifest validates manifest bytes. `contentType` is the registry's header; when
 * it names a manifest type it must agree with the body's own `mediaType`.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): Manifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ManifestTooLargeError(
      `manifest of ${bytes.byteLength} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    );
  } catch (e) {
    throw new ManifestInvalidError(`manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw new ManifestInvalidError('manifest is not a JSON object');

  const header = contentType ? baseMediaType(contentType) : undefined;
  const declared = json.mediaType;
  if (declared !== undefined && typeof declared !== 'string') {
    throw new ManifestInvalidError('manifest mediaType is not a string');
  }
  if (
    json.schemaVersion === 1 ||
    [declared, header].some((t) => t === DOCKER_SCHEMA1 || t === DOCKER_SCHEMA1_SIGNED)
  ) {
    throw new UnsupportedMediaTypeError(
      'Docker image manifest schema 1 is deprecated and not supported; re-push the image with a current client (schema 2 or OCI)',
    );
  }
  if (json.schemaVersion !== 2) throw new ManifestInvalidError('manifest schemaVersion is not 2');

  const hasManifests = json.manifests !== undefined;
  const hasImageFields = json.layers !== undefined || json.config !== undefined;
  if (hasManifests && hasImageFields) {
    throw new ManifestInvalidError(
      'ambiguous manifest: it has both "manifests" and "layers"/"config"',
    );
  }
  // An OCI manifest may omit mediaType; then its shape decides (image-spec manifest.md).
  const mediaType =
    declared ??
    (header && isManifestType(header) ? header : hasManifests ? OCI_INDEX : OCI_MANIFEST);
  if (!isManifestType(mediaType)) {
    throw new UnsupportedMediaTypeError(
      `unsupported manifest media type ${JSON.stringify(mediaType)}`,
    );
  }
  if (header && isManifestType(header) && header !== mediaType) {
    throw new ManifestInvalidError(
      `manifest mediaType ${mediaType} does not match the Content-Type ${header} the registry sent`,
    );
  }

  const base = {
    mediaType,
    ...optionalString(json, 'artifactType'),
    ...(json.subject !== undefined && { subject: parseDescriptor(json.subject, 'subject') }),
    ...(json.annotations !== undefined && {
      annotations: parseAnnotations(json.annotations, 'annotations'),
    }),
  };
  if (isIndexType(mediaType)) {
    if (!Array.isArray(json.manifests))
      throw new ManifestInvalidError('index has no "manifests" array');
    return {
      kind: 'index',
      ...base,
      manifests: json.manifests.map((d, i) => parseDescriptor(d, `manifests[${i}]`)),
    };
  }
  if (!Array.isArray(json.layers))
    throw new ManifestInvalidError('image manifest has no "layers" array');
  return {
    kind: 'image',
    ...base,
    config: parseDescriptor(json.config, 'config'),
    layers: json.layers.map((d, i) => parseDescriptor(d, `layers[${i}]`)),
  };
}

/** childrenOf lists the descriptors a manifest needs present: index entries, or config and layers. */
export function childrenOf(m: Manifest): readonly Descriptor[] {
  return m.kind === 'index' ? m.manifests : [m.config, ...m.layers];
}

/** parseDescriptor validates one descriptor; `where` names it in errors. */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new ManifestInvalidError(`${where} is not a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0 || mediaType.length > 255) {
    throw new ManifestInvalidError(`${where}.mediaType is missing or invalid`);
  }
  if (typeof digest !== 'string' || !isDigest(digest)) {
    throw new ManifestInvalidError(
      `${where}.digest ${JSON.stringify(String(digest).slice(0, 80))} is not a valid digest`,
    );
  }
  // Reject sizes a JS number cannot hold exactly before anything is allocated
  // (GHSA-f36w-mj3v-6jqv: a huge size crashed oras-go).
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ManifestInvalidError(
      `${where}.size ${JSON.stringify(size)} is not a non-negative integer`,
    );
  }
  const d: Descriptor = { mediaType, digest, size };
  if (value.artifactType !== undefined) {
    if (typeof value.artifactType !== 'string')
      throw new ManifestInvalidError(`${where}.artifactType is not a string`);
    d.artifactType = value.artifactType;
  }
  if (value.annotations !== undefined)
    d.annotations = parseAnnotations(value.annotations, `${where}.annotations`);
  if (value.platform !== undefined)
    d.platform = parsePlatformObject(value.platform, `${where}.platform`);
  if (value.urls !== undefined) {
    if (!Array.isArray(value.urls) || !value.urls.every((u) => typeof u === 'string')) {
      throw new ManifestInvalidError(`${where}.urls is not a list of strings`);
    }
    d.urls = value.urls;
  }
  return d;
}

function parsePlatformObject(value: unknown, where: string): Platform {
  if (!isObject(value) || typeof value.os !== 'string' || typeof value.architecture !== 'string') {
    throw new ManifestInvalidError(`${where} needs string "os" and "architecture"`);
  }
  const p: Platform = { os: value.os, architecture: value.architecture };
  if (typeof value.variant === 'string') p.variant = value.variant;
  if (typeof value['os.version'] === 'string') p['os.version'] = value['os.version'];
  return p;
}

function parseAnnotations(value: unknown, where: string): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new ManifestInvalidError(`${where} is not a map of strings`);
  }
  return value as Record<string, string>;
}

function optionalString(
  json: Record<string, unknown>,
  key: 'artifactType',
): { artifactType?: string } {
  const v = json[key];
  if (v === undefined) return {};
  if (typeof v !== 'string') throw new ManifestInvalidError(`manifest ${key} is not a string`);
  return { [key]: v };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
