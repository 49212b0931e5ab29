/**
 * Credential providers: where a registry's credentials come from. Each is a function
 * `(registry) => Credentials | undefined`; `chainCredentials` tries several in order.
 * Nothing here reads the process environment: the CLI passes paths, tokens and env in.
 */
import { DOCKER_HUB } from '../reference.js';
import type { CredentialProvider, CredentialSource, Credentials } from './types.js';

/** Host names that all mean Docker Hub in configs and references. */
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * normalizeRegistryKey turns a Docker config key or a registry name into the form
 * references use: `https://index.docker.io/v1/` → `docker.io`, `http://localhost:5000/v2`
 * → `localhost:5000` (Docker writes keys with scheme and path).
 */
export function normalizeRegistryKey(key: string): string {
  let k = key.trim().toLowerCase();
  k = k.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = k.indexOf('/');
  if (slash !== -1) k = k.slice(0, slash);
  return DOCKER_HUB_ALIASES.has(k) ? DOCKER_HUB : k;
}

/** staticCredentials serves a fixed map; keys are normalised like Docker config keys. */
export function staticCredentials(
  map: Record<string, Credentials> | ReadonlyMap<string, Credentials>,
): CredentialProvider {
  const entries = map instanceof Map ? [...map] : Object.entries(map);
  const table = new Map<string, Credentials>();
  for (const [k, v] of entries) table.set(normalizeRegistryKey(k), v);
  return async (registry) => table.get(normalizeRegistryKey(registry));
}

/** GHCR is the only registry a GitHub token is sent to. */
export const GHCR = 'ghcr.io';

/**
 * githubTokenCredentials uses a GitHub token (`GITHUB_TOKEN` or a PAT) for `ghcr.io`
 * only. GHCR accepts any user name with a token; `actor` (GITHUB_ACTOR) is used when given.
 */
export function githubTokenCredentials(opts: {
  token: string | undefined;
  actor?: string | undefined;
}): CredentialProvider {
  const provider: CredentialProvider = async (registry) => {
    if (!opts.token || normalizeRegistryKey(registry) !== GHCR) return undefined;
    return { username: opts.actor || 'x-access-token', password: opts.token };
  };
  provider.source = (registry) =>
    opts.token && normalizeRegistryKey(registry) === GHCR
      ? { description: 'GITHUB_TOKEN' }
      : undefined;
  return provider;
}

/**
 * chainCredentials asks each provider in turn; the first that has credentials wins. Its
 * `source` is the winner's, or every place looked in (`FILE or GITHUB_TOKEN`) when none had any.
 */
export function chainCredentials(
  ...providers: ReadonlyArray<CredentialProvider | undefined>
): CredentialProvider {
  const present = providers.filter((p): p is CredentialProvider => p !== undefined);
  const answered = new Map<string, CredentialProvider>();
  const chain: CredentialProvider = async (registry) => {
    for (const p of present) {
      const c = await p(registry);
      if (c !== undefined) {
        answered.set(registry, p);
        return c;
      }
    }
    answered.delete(registry);
    return undefined;
  };
  chain.source = (registry) => {
    const winner = answered.get(registry);
    if (winner) return winner.source?.(registry);
    const places = present
      .map((p) => p.source?.(registry))
      .filter((s): s is CredentialSource => s !== undefined);
    if (places.length === 0) return undefined;
    const loginFile = places.find((s) => s.loginFile !== undefined)?.loginFile;
    return {
      description: places.map((s) => s.description).join(' or '),
      ...(loginFile !== undefined && { loginFile }),
    };
  };
  return chain;
}

/** anonymousCredentials never has credentials. */
export const anonymousCredentials: CredentialProvider = async () => undefined;

/** describeCredentials says what kind of credentials these are, never their value (for logs). */
export function describeCredentials(c: Credentials | undefined): string {
  if (c === undefined) return 'anonymous';
  if ('password' in c) return `user ${c.username}`;
  if ('identityToken' in c) return 'identity token';
  return 'registry token';
}
