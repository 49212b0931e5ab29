/**
 * What the stage-evidence CLI tests (test/cli/evidence-*.test.ts) share: a staging and a
 * production registry (test/helpers/setup.ts), a CLI runner that speaks plain HTTP to them
 * and runs as a GitHub Actions job would (actor and run URL set, so records carry them),
 * fresh single-layer images pushed to staging by skopeo, and a read of a tag's digest
 * that does not go through the code under test.
 */
import { join } from 'node:path';
import type { Json } from '../helpers/cli.js';
import { writeRandomImage } from '../helpers/random.js';
import type { TeardownHost } from '../helpers/registry.js';
import { headManifest, pushLayout } from '../helpers/seed.js';
import { type Setup, twoRegistries } from '../helpers/setup.js';

/** The run every record of these tests names (provenanceFromEnv builds it from the env). */
export const RUN_URL = 'https://github.com/o/app/actions/runs/42';
export const ACTOR = 'octocat';
const GITHUB_ENV = {
  GITHUB_ACTOR: ACTOR,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'o/app',
  GITHUB_RUN_ID: '42',
};

/** EvidenceSetup is what `evidenceSetup` gives a test. */
export interface EvidenceSetup extends Setup {
  /** `oci-promote <command> --plain-http …args` with the GitHub provenance variables. */
  run(
    argv: readonly string[],
    env?: Record<string, string | undefined>,
  ): Promise<{ code: number; stdout: string; stderr: string; json(): Json }>;
  /** Pushes a fresh image to staging as `repo:tag`; returns its digest. */
  stage(repo: string, tag: string): Promise<string>;
  /** The digest `repo:tag` has in production (read by raw HTTP), or undefined. */
  prodDigest(repo: string, tag: string): Promise<string | undefined>;
  /** `host/repo` in staging, and in production. */
  staging(repo: string): string;
  prod(repo: string): string;
}

/** evidenceSetup starts the registries and returns the helpers above. */
export async function evidenceSetup(t: TeardownHost, name: string): Promise<EvidenceSetup> {
  const setup = await twoRegistries(t, name);
  let seeds = 0;
  return {
    ...setup,
    run: (argv, env = {}) =>
      setup.cli.run([argv[0]!, '--plain-http', ...argv.slice(1)], {
        env: { ...GITHUB_ENV, ...env },
      }),
    async stage(repo, tag) {
      seeds++;
      const img = await writeRandomImage(join(setup.work, `${name}-${seeds}`), {
        seed: `${name}-${seeds}`,
        layers: 1,
        layerSize: 256,
        tag,
      });
      await pushLayout(setup.src, img.dir, tag, repo, tag);
      return img.digest;
    },
    prodDigest: (repo, tag) => headManifest(setup.dst, repo, tag),
    staging: (repo) => `${setup.src.host}/${repo}`,
    prod: (repo) => `${setup.dst.host}/${repo}`,
  };
}
