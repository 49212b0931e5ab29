/**
 * Many small images for the batch rows: image k is one random layer and a config, pushed
 * over raw HTTP (test/helpers/seed, not lib/) into its own repository `staging/app-<k>`
 * under the tag `1.0.0`, a few at a time.
 */
import { randomBuffer } from '../test/helpers/random.js';
import type { Registry } from '../test/helpers/registry.js';
import { OCI_MANIFEST, pushBlob, pushManifest } from '../test/helpers/seed.js';
import { skopeoCopy } from './measure.js';

/** SmallImage is one pushed image. */
export interface SmallImage {
  /** `staging/app-007` */
  repository: string;
  tag: string;
  digest: string;
}

/** The tag every small image carries: a full version, so --semver and immutability apply. */
export const SMALL_TAG = '1.0.0';

/** repositoryOf names image k's repository under `prefix` (same name on both sides). */
export const repositoryOf = (prefix: string, k: number) =>
  `${prefix}/app-${String(k).padStart(3, '0')}`;

/** pushSmallImages pushes `count` distinct single-layer images of `layerSize` bytes. */
export async function pushSmallImages(
  registry: Registry,
  count: number,
  layerSize = 4096,
): Promise<SmallImage[]> {
  const out: SmallImage[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < count; k = next++) {
      const repository = repositoryOf('staging', k);
      const layer = randomBuffer(`small-${k}`, 0, layerSize);
      const layerDigest = await pushBlob(registry.host, repository, layer);
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [layerDigest] },
        }),
      );
      const configDigest = await pushBlob(registry.host, repository, config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: configDigest,
            size: config.length,
          },
          layers: [
            {
              mediaType: 'application/vnd.oci.image.layer.v1.tar',
              digest: layerDigest,
              size: layer.length,
            },
          ],
        }),
      );
      const digest = await pushManifest(
        registry.host,
        repository,
        SMALL_TAG,
        manifest,
        OCI_MANIFEST,
      );
      out[k] = { repository, tag: SMALL_TAG, digest };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** promotionsFile renders the `promote --from-file` list: staging/app-k → prod/app-k. */
export function promotionsFile(
  src: Registry,
  dst: Registry,
  images: readonly SmallImage[],
): string {
  const lines = ['promotions:'];
  for (const i of images) {
    lines.push(
      `  - source: ${src.host}/${i.repository}:${i.tag}`,
      `    to: ${dst.host}/${i.repository.replace(/^staging\//, 'prod/')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** skopeoLoop renders a bash script: one `skopeo copy` per image, one after another. */
export function skopeoLoop(src: Registry, dst: Registry, images: readonly SmallImage[]): string {
  const refs = images.map((i) => `${i.repository}:${i.tag}`).join('\n');
  // The same flags as every other skopeo row; the two references are the loop's own.
  const flags = skopeoCopy('', '').slice(0, -2).join(' ');
  return `#!/usr/bin/env bash
set -euo pipefail
while read -r ref; do
  skopeo ${flags} \\
    "docker://${src.host}/$ref" "docker://${dst.host}/\${ref/#staging\\//prod/}"
done <<'EOF'
${refs}
EOF
`;
}
