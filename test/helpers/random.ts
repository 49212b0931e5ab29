/**
 * Seeded generator of synthetic images, written as OCI image layouts on disk
 * (`oci-layout`, `index.json`, `blobs/sha256/<hex>`), for large-image and many-layer tests.
 *
 * Bytes come from an AES-128-CTR keystream keyed by sha256(seed) (one IV per layer), so the
 * same seed always yields the same digests, and generation runs at AES-NI speed (well over
 * 1 GiB/s including sha256 on this class of machine). Layers are streamed to disk in 4 MiB
 * chunks while being hashed; nothing layer-sized is ever held in memory.
 *
 * Each layer is a valid, uncompressed tar (`application/vnd.oci.image.layer.v1.tar`) holding
 * one file `random-<i>.bin` of `layerSize` random bytes (mtime 0, root-owned, mode 0644), so
 * its blob is `layerSize` rounded up to 512 plus 1536 bytes of tar framing. The config is a
 * valid OCI image config whose `rootfs.diff_ids` equal the layer digests (uncompressed).
 * `skopeo copy --preserve-digests oci:DIR:TAG docker://…` pushes such a layout unchanged.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

/** The timestamp written into every generated config and history entry. */
export const FIXED_CREATED = '1970-01-01T00:00:00Z';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface RandomImageOptions {
  /** Anything printable; same seed (and options) → same bytes and digests. */
  seed: string | number;
  /** Number of layers (0 allowed). */
  layers: number;
  /** Random payload bytes per layer: one number for all, or one per layer. */
  layerSize: number | number[];
  /** Recorded in the layout's index.json as `org.opencontainers.image.ref.name`. */
  tag?: string;
  /** Default linux/amd64. */
  platform?: Platform;
  /**
   * `tar` (default): each layer is a tar archive of one random file (blob = payload + tar
   * framing). `raw`: the layer blob is exactly `layerSize` random bytes (not a valid tar;
   * fine for registries and skopeo, not for unpacking).
   */
  format?: 'tar' | 'raw';
}

export interface RandomImage {
  /** Manifest digest (`sha256:…`). */
  digest: string;
  /** Manifest size in bytes. */
  size: number;
  mediaType: typeof OCI_MANIFEST;
  /** Descriptor of the manifest (with platform), as an index would list it. */
  descriptor: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  /** Sum of config and layer blob sizes. */
  blobBytes: number;
  /** Exact manifest bytes. */
  manifestBytes: Buffer;
  dir: string;
  tag?: string;
}

export interface RandomIndexOptions extends Omit<RandomImageOptions, 'platform'> {
  /** Default linux/amd64 and linux/arm64. */
  platforms?: Platform[];
}

export interface RandomIndex {
  digest: string;
  size: number;
  mediaType: typeof OCI_INDEX;
  descriptor: Descriptor;
  manifests: RandomImage[];
  indexBytes: Buffer;
  dir: string;
  tag?: string;
}

const CHUNK = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

function keyFor(seed: string | number): Buffer {
  return createHash('sha256')
    .update(`oci-promote-random:${String(seed)}`)
    .digest()
    .subarray(0, 16);
}

function ivFor(stream: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(stream >>> 0, 0);
  return iv;
}

/** Deterministic keystream chunks: `size` bytes of stream `stream` under `seed`. */
export function* randomChunks(
  seed: string | number,
  stream: number,
  size: number,
  chunkSize = CHUNK,
): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', keyFor(seed), ivFor(stream));
  const zeros = chunkSize === CHUNK ? ZEROS : Buffer.alloc(chunkSize);
  let left = size;
  while (left > 0) {
    const n = Math.min(left, chunkSize);
    yield cipher.update(n === chunkSize ? zeros : zeros.subarray(0, n));
    left -= n;
  }
}

/** A Readable of `size` deterministic bytes (e.g. to upload a blob over raw HTTP). */
export function randomStream(seed: string | number, stream: number, size: number): Readable {
  return Readable.from(randomChunks(seed, stream, size), { objectMode: false });
}

/** A small deterministic buffer (for tests that need bytes in memory). */
export function randomBuffer(seed: string | number, stream: number, size: number): Buffer {
  return Buffer.concat([...randomChunks(seed, stream, size)]);
}

/** ustar header for one regular file. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => h.write(s, off, len, 'ascii');
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0');
  put(name, 0, 100);
  put(`${octal(0o644, 8)}\0`, 100, 8);
  put(`${octal(0, 8)}\0`, 108, 8); // uid
  put(`${octal(0, 8)}\0`, 116, 8); // gid
  put(`${octal(size, 12)}\0`, 124, 12);
  put(`${octal(0, 12)}\0`, 136, 12); // mtime
  put('        ', 148, 8); // checksum placeholder
  put('0', 156, 1); // regular file
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${octal(sum, 7)}\0 `, 148, 8);
  return h;
}

/** Blob size of a generated layer for a given payload size. */
export function layerBlobSize(payload: number, format: 'tar' | 'raw' = 'tar'): number {
  return format === 'raw' ? payload : 512 + Math.ceil(payload / 512) * 512 + 1024;
}

/** Streams chunks into `blobs/sha256/<hex>` of the layout, hashing as it goes. */
async function writeBlobStream(dir: string, chunks: Iterable<Buffer>): Promise<Descriptor> {
  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  const tmp = join(blobDir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const hash = createHash('sha256');
  let size = 0;
  const fh = await open(tmp, 'w');
  try {
    let pending: Promise<unknown> | undefined;
    for (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.length;
      // one write in flight while the next chunk is computed
      if (pending) await pending;
      pending = fh.write(chunk);
    }
    if (pending) await pending;
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  const hex = hash.digest('hex');
  await rename(tmp, join(blobDir, hex));
  return { mediaType: 'application/octet-stream', digest: `sha256:${hex}`, size };
}

/** Writes `bytes` as a blob of the layout and returns its descriptor. */
export async function writeBlob(
  dir: string,
  bytes: Buffer,
  mediaType: string,
): Promise<Descriptor> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** Creates `dir` as an OCI layout (`oci-layout`, `blobs/sha256/`, empty `index.json`). */
export async function initLayout(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  try {
    await writeFile(
      join(dir, 'index.json'),
      `${JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] })}\n`,
      { flag: 'wx' },
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * Creates the layout if needed (`oci-layout`, `index.json`) and, when `tag` is given, points
 * `tag` at `descriptor` in index.json (replacing an entry with the same tag).
 */
export async function addToLayoutIndex(
  dir: string,
  descriptor: Descriptor,
  tag?: string,
): Promise<void> {
  await initLayout(dir);
  let index: { schemaVersion: number; mediaType?: string; manifests: Descriptor[] };
  try {
    index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  } catch {
    index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  }
  if (tag !== undefined) {
    const refName = 'org.opencontainers.image.ref.name';
    index.manifests = index.manifests.filter((m) => m.annotations?.[refName] !== tag);
    index.manifests.push({
      ...descriptor,
      annotations: { ...descriptor.annotations, [refName]: tag },
    });
  }
  await writeFile(join(dir, 'index.json'), `${JSON.stringify(index)}\n`);
}

function* layerChunks(
  seed: string | number,
  stream: number,
  payload: number,
  format: 'tar' | 'raw',
): Generator<Buffer> {
  if (format === 'raw') {
    yield* randomChunks(seed, stream, payload);
    return;
  }
  yield tarHeader(`random-${stream}.bin`, payload);
  yield* randomChunks(seed, stream, payload);
  const pad = (512 - (payload % 512)) % 512;
  yield Buffer.alloc(pad + 1024);
}

/** Writes one seeded synthetic image into the OCI layout at `dir`. */
export async function writeRandomImage(
  dir: string,
  opts: RandomImageOptions,
): Promise<RandomImage> {
  const format = opts.format ?? 'tar';
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const sizes = Array.isArray(opts.layerSize)
    ? opts.layerSize
    : Array.from({ length: opts.layers }, () => opts.layerSize as number);
  if (sizes.length !== opts.layers) {
    throw new Error(`layerSize has ${sizes.length} entries for ${opts.layers} layers`);
  }
  // Each (seed, platform) gets its own key, so index children differ.
  const seed = `${String(opts.seed)}|${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
  await initLayout(dir);

  const layers: Descriptor[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const d = await writeBlobStream(dir, layerChunks(seed, i, sizes[i]!, format));
    layers.push({ ...d, mediaType: OCI_LAYER_TAR });
  }
  const config = {
    created: FIXED_CREATED,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: { Labels: { 'dev.oci-promote.test.seed': String(opts.seed) } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    history: layers.map((_, i) => ({
      created: FIXED_CREATED,
      created_by: `oci-promote random layer ${i} (${format}, ${sizes[i]} bytes)`,
    })),
  };
  const configDesc = await writeBlob(dir, Buffer.from(JSON.stringify(config)), OCI_CONFIG);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: configDesc,
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const m = await writeBlob(dir, manifestBytes, OCI_MANIFEST);
  const descriptor: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: m.digest,
    size: m.size,
    platform,
  };
  await addToLayoutIndex(dir, descriptor, opts.tag);
  return {
    digest: m.digest,
    size: m.size,
    mediaType: OCI_MANIFEST,
    descriptor,
    config: configDesc,
    layers,
    blobBytes: configDesc.size + layers.reduce((n, l) => n + l.size, 0),
    manifestBytes,
    dir,
    ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
  };
}

/** Writes one seeded image per platform plus an OCI index over them into the layout. */
export async function writeRandomIndex(
  dir: string,
  opts: RandomIndexOptions,
): Promise<RandomIndex> {
  const platforms = opts.platforms ?? [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ];
  const manifests: RandomImage[] = [];
  for (const platform of platforms) {
    const { tag: _tag, ...rest } = opts;
    manifests.push(await writeRandomImage(dir, { ...rest, platform }));
  }
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: manifests.map((m) => m.descriptor),
  };
  const indexBytes = Buffer.from(JSON.stringify(index));
  const d = await writeBlob(dir, indexBytes, OCI_INDEX);
  const descriptor: Descriptor = { mediaType: OCI_INDEX, digest: d.digest, size: d.size };
  await addToLayoutIndex(dir, descriptor, opts.tag);
  return {
    digest: d.digest,
    size: d.size,
    mediaType: OCI_INDEX,
    descriptor,
    manifests,
    indexBytes,
    dir,
    ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
  };
}
