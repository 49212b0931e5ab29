/**
 * Bearer tokens kept until shortly before they expire (oras-go `auth/cache.go` idea):
 * one entry per registry + token service + scope set, so a copy of a 100-layer image
 * asks the token service once per scope set, not once per request.
 */
import { normalizeScopes } from './scope.js';
import type { Scope } from './types.js';

/** DEFAULT_TOKEN_LIFETIME_S applies when the token response has no `expires_in` (token.md). */
export const DEFAULT_TOKEN_LIFETIME_S = 60;

/** FetchedToken is what a token fetch yields. */
export interface FetchedToken {
  token: string;
  /** Lifetime in seconds (`expires_in`); DEFAULT_TOKEN_LIFETIME_S when absent. */
  expiresIn?: number;
}

interface Entry {
  token: string;
  expiresAt: number;
}

/** tokenCacheKey builds the key of a token: registry, realm, service and normalised scopes. */
export function tokenCacheKey(
  registry: string,
  realm: string,
  service: string | undefined,
  scopes: readonly Scope[],
): string {
  return JSON.stringify([registry, realm, service ?? '', normalizeScopes(scopes)]);
}

/**
 * TokenCache holds tokens until they expire, shares one in-flight fetch between
 * concurrent callers of the same key, and forgets failed fetches so a later call can
 * try again.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  /** get returns a token that is still fresh, or undefined. */
  get(key: string): string | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (this.#now() >= e.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.token;
  }

  /** getOrFetch returns a fresh cached token or runs `fetch` (once for concurrent callers). */
  getOrFetch(key: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const running = this.#inflight.get(key);
    if (running) return running;
    const p = (async () => {
      try {
        const got = await fetch();
        this.set(key, got);
        return got.token;
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, p);
    return p;
  }

  /** set stores a token; it is dropped a little before its lifetime ends. */
  set(key: string, got: FetchedToken): void {
    const lifetimeMs =
      (got.expiresIn !== undefined && Number.isFinite(got.expiresIn) && got.expiresIn > 0
        ? got.expiresIn
        : DEFAULT_TOKEN_LIFETIME_S) * 1000;
    // Refresh early (a tenth of the lifetime, at most 30 s) so a request does not leave
    // with a token that expires on the way.
    const early = Math.min(30_000, lifetimeMs / 10);
    this.#entries.set(key, { token: got.token, expiresAt: this.#now() + lifetimeMs - early });
  }

  /**
   * invalidate drops the entry of `key`, only if it still holds `token` when given
   * (another request may already have stored a newer one).
   */
  invalidate(key: string, token?: string): void {
    const e = this.#entries.get(key);
    if (e && (token === undefined || e.token === token)) this.#entries.delete(key);
  }

  /** clear forgets every token. */
  clear(): void {
    this.#entries.clear();
  }
}
