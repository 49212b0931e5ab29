/** Scopes (`type:name:actions`, distribution docs/spec/auth/scope.md) and what a policy grants. */
import type { ResourceActions, TokenPolicy } from './types.js';

function patternMatches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

/**
 * parseScope splits `type:name:actions` at the first and the last colon (the name may
 * hold `host:port`, scope.md); undefined when it has fewer than two colons.
 */
export function parseScope(scope: string): ResourceActions | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || first === last) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter((a) => a !== ''),
  };
}

/** formatAccess turns access entries into `type:name:a,b` strings (sorted actions). */
export function formatAccess(access: readonly ResourceActions[]): string[] {
  return access.map((a) => `${a.type}:${a.name}:${[...a.actions].sort().join(',')}`);
}

/** The actions `access` allows `subject` (undefined: anonymous) on `scope`'s resource. */
function allowed(
  access: TokenPolicy['access'],
  subject: string | undefined,
  scope: ResourceActions,
): string[] {
  const out = new Set<string>();
  for (const who of subject === undefined ? [''] : ['', subject]) {
    for (const [pattern, actions] of Object.entries(access[who] ?? {})) {
      if (scope.type !== 'repository' && !pattern.startsWith(`${scope.type}:`)) continue;
      const name = pattern.startsWith(`${scope.type}:`)
        ? pattern.slice(scope.type.length + 1)
        : pattern;
      if (!patternMatches(name, scope.name)) continue;
      for (const a of actions) out.add(a);
    }
  }
  return [...out];
}

/** grant is the intersection of the scopes asked and what `access` allows, per resource. */
export function grant(
  access: TokenPolicy['access'],
  subject: string | undefined,
  scopes: string[],
): ResourceActions[] {
  const byResource = new Map<string, ResourceActions>();
  for (const s of scopes) {
    const parsed = parseScope(s);
    if (!parsed) continue;
    const ok = allowed(access, subject, parsed);
    const actions = parsed.actions.filter((a) => ok.includes(a) || ok.includes('*'));
    if (actions.length === 0) continue;
    const key = `${parsed.type}:${parsed.name}`;
    const entry = byResource.get(key);
    if (entry) entry.actions = [...new Set([...entry.actions, ...actions])].sort();
    else byResource.set(key, { type: parsed.type, name: parsed.name, actions: actions.sort() });
  }
  return [...byResource.values()];
}
