/**
 * Token scopes (distribution docs/spec/auth/scope.md): `type:name:action[,action]`.
 * The name may itself contain `host:port`, so a scope is split at its first and last
 * colon only.
 */
import type { Scope } from './types.js';

/** repositoryScope builds `repository:<name>:<actions>`. */
export function repositoryScope(repository: string, actions: readonly string[]): Scope {
  return `repository:${repository}:${[...actions].join(',')}`;
}

/**
 * normalizeScopes merges scopes on the same resource (union of actions, sorted) and
 * sorts the result, so equal needs give equal token-cache keys whatever order the
 * caller listed them in.
 */
export function normalizeScopes(scopes: readonly Scope[]): Scope[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const scope of scopes) {
    const s = scope.trim();
    if (s === '') continue;
    const first = s.indexOf(':');
    const last = s.lastIndexOf(':');
    if (first === -1 || first === last) {
      opaque.add(s);
      continue;
    }
    const resource = s.slice(0, last);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const a of s.slice(last + 1).split(',')) if (a !== '') actions.add(a);
    byResource.set(resource, actions);
  }
  const out = [...opaque];
  for (const [resource, actions] of byResource) {
    out.push(`${resource}:${[...actions].sort().join(',')}`);
  }
  return out.sort();
}

/** scopesCover tells whether `have` grants every action of every scope in `need`. */
export function scopesCover(have: readonly Scope[], need: readonly Scope[]): boolean {
  const merged = normalizeScopes(have);
  return normalizeScopes([...have, ...need]).every((s) => merged.includes(s));
}
