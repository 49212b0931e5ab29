/**
 * stager: the one way integration tests put a fresh image into staging — a seeded random
 * image written as an OCI layout (test/helpers/random.ts) and pushed with skopeo. Seeds are
 * `<name>-<n>` in call order, so each test file gets the same digests on every run.
 */
import { join } from 'node:path';
import type { Digest } from '../../../lib/digest.js';
import { writeRandomImage } from '../random.js';
import { pushLayout } from './skopeo.js';
import type { Target } from './target.js';

/** StageOptions: what one image may change of the file's defaults. */
export interface StageOptions {
  layers?: number;
  /** Push to this registry instead of the default one. */
  registry?: Target;
}

/** stager returns `stage(repo, tag)`, which pushes a fresh image as `repo:tag`. */
export function stager(
  registry: Target,
  work: string,
  name: string,
  image: { layers?: number; layerSize: number },
): (repo: string, tag: string, options?: StageOptions) => Promise<Digest> {
  let n = 0;
  return async (repo, tag, options = {}) => {
    n++;
    const img = await writeRandomImage(join(work, `img${n}`), {
      seed: `${name}-${n}`,
      layers: options.layers ?? image.layers ?? 1,
      layerSize: image.layerSize,
      tag,
    });
    await pushLayout(options.registry ?? registry, img.dir, tag, repo, tag);
    return img.digest as Digest;
  };
}
