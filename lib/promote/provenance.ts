/**
 * Provenance from an environment: who asked for a change and which CI run made it.
 * Pure: the caller hands the environment in (the CLI passes its own environment); the library
 * never reads process state itself.
 */
import type { Provenance } from './types.js';

/** The variables provenanceFromEnv reads (GitHub Actions' defaults, then the login name). */
export type ProvenanceEnv = Readonly<Record<string, string | undefined>>;

/**
 * provenanceFromEnv says who (`GITHUB_ACTOR`, else `USER`, else `LOGNAME`) and where
 * (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`, plus
 * `/attempts/$GITHUB_RUN_ATTEMPT` for a re-run) a change comes from. Empty or blank
 * variables count as unset; fields that cannot be known are left out.
 */
export function provenanceFromEnv(env: ProvenanceEnv): Provenance {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const out: Provenance = {};
  const actor = get('GITHUB_ACTOR') ?? get('USER') ?? get('LOGNAME');
  if (actor) out.actor = actor;
  const runUrl = githubRunUrl(
    get('GITHUB_SERVER_URL'),
    get('GITHUB_REPOSITORY'),
    get('GITHUB_RUN_ID'),
    get('GITHUB_RUN_ATTEMPT'),
  );
  if (runUrl) out.runUrl = runUrl;
  return out;
}

/**
 * githubRunUrl builds the link to a workflow run. Without a repository or a numeric run
 * id there is no run to link to; without a server URL it is github.com. A numeric
 * attempt above 1 links to that attempt.
 */
function githubRunUrl(
  server: string | undefined,
  repository: string | undefined,
  runId: string | undefined,
  attempt: string | undefined,
): string | undefined {
  if (!repository || !runId || !/^\d+$/.test(runId)) return undefined;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) return undefined;
  const base = (server ?? 'https://github.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(base)) return undefined;
  const url = `${base}/${repository}/actions/runs/${runId}`;
  return attempt && /^\d+$/.test(attempt) && Number(attempt) > 1
    ? `${url}/attempts/${Number(attempt)}`
    : url;
}
