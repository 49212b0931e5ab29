/** Reading the committed OCI layouts in fixtures/oci-layouts. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Absolute path of fixtures/oci-layouts, found by walking up from this module (it also
 * runs compiled, from dist/test/helpers, for the demo and the benchmark).
 */
export const FIXTURES_DIR = findUp(
  fileURLToPath(new URL('.', import.meta.url)),
  join('fixtures', 'oci-layouts'),
);

function findUp(from: string, rel: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, rel))) return join(dir, rel);
    if (dirname(dir) === dir) throw new Error(`${rel} not found above ${from}`);
  }
}
/** Layout with refs `amd64` (OCI image), `arm64`, `multiarch` (OCI index). */
export const BUSYBOX_LAYOUT = join(FIXTURES_DIR, 'busybox');
/** Layout with refs `sbom`, `sha256-<hex>` (fallback index), `sha256-<hex>.sig`. */
export const ARTIFACTS_LAYOUT = join(FIXTURES_DIR, 'artifacts');

export interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
  artifactType?: string;
}

export function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-f0-9]+$/.test(hex)) throw new Error(`bad digest ${digest}`);
  return join(layout, 'blobs', alg, hex);
}

export async function readLayoutBlob(layout: string, digest: string): Promise<Buffer> {
  return readFile(blobPath(layout, digest));
}

/** The descriptors of a layout's index.json, by ref name. */
export async function layoutRefs(layout: string): Promise<Record<string, LayoutDescriptor>> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: LayoutDescriptor[];
  };
  const out: Record<string, LayoutDescriptor> = {};
  for (const m of index.manifests) {
    const name = m.annotations?.[REF_NAME];
    if (name !== undefined) out[name] = m;
  }
  return out;
}

/** Descriptor of `ref` in the layout (throws if absent). */
export async function layoutRef(layout: string, ref: string): Promise<LayoutDescriptor> {
  const d = (await layoutRefs(layout))[ref];
  if (!d) throw new Error(`${layout} has no ref ${ref}`);
  return d;
}
