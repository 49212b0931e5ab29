/**
 * Registry authentication: answers 401 challenges with Basic credentials or with a
 * Bearer token from the registry's token service (distribution docs/spec/auth/token.md
 * and oauth.md), and remembers each registry's challenge so later requests get their
 * token *before* they are sent — a streamed upload cannot be replayed after a 401.
 */
import { AuthError, ResponseTooLargeError, registryError, UnauthorizedError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import {
  type Challenge,
  challengeScopes,
  isInsufficientScope,
  parseChallenges,
  pickChallenge,
} from './challenge.js';
import { describeCredentials } from './credentials.js';
import { redactUrl, usesPlainHttp } from './endpoint.js';
import { parseRetryAfter } from './retry.js';
import { normalizeScopes } from './scope.js';
import { type FetchedToken, TokenCache, tokenCacheKey } from './token-cache.js';
import type {
  CredentialProvider,
  CredentialSource,
  Credentials,
  PlainHttp,
  Scope,
} from './types.js';

/** MAX_TOKEN_RESPONSE_BYTES caps a token response (containers/image `iolimits`: 1 MiB). */
export const MAX_TOKEN_RESPONSE_BYTES = 1 << 20;

/** TokenExchange is one request to a token service, sent without following redirects. */
export interface TokenExchange {
  registry: string;
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** TokenExchangeResult is the answer, body read up to MAX_TOKEN_RESPONSE_BYTES. */
export interface TokenExchangeResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** AuthState is the Authorization a request carries, and what it came from. */
export interface AuthState {
  kind: 'basic' | 'bearer' | 'registry-token';
  header: string;
  /** Token-cache key and token, for Bearer tokens from a token service. */
  key?: string;
  token?: string;
  /** The token came from the cache (fetched for an earlier request), not for this one. */
  reused?: boolean;
}

/** AuthenticatorOptions configures an Authenticator. */
export interface AuthenticatorOptions {
  credentials?: CredentialProvider;
  /**
   * Which registries are reached over plain http (TransportOptions.plainHttp): their http
   * realms may then receive secrets.
   */
  plainHttp?: PlainHttp;
  /** Sends token-service requests (the transport's HTTP client). */
  send: (req: TokenExchange) => Promise<TokenExchangeResult>;
  cache?: TokenCache;
  logger?: Logger;
  /** OAuth2 `client_id` for refresh-token grants (oauth.md). */
  clientId?: string;
  /** Told every secret before it is used: credentials from the provider, fetched tokens. */
  onSecret?: (secret: string) => void;
}

/** Authenticator keeps challenges, credentials and tokens of one transport. */
export class Authenticator {
  readonly #opts: AuthenticatorOptions;
  readonly #cache: TokenCache;
  readonly #log: Logger;
  readonly #challenges = new Map<string, Challenge>();
  readonly #credentials = new Map<string, Promise<Credentials | undefined>>();

  constructor(opts: AuthenticatorOptions) {
    this.#opts = opts;
    this.#cache = opts.cache ?? new TokenCache();
    this.#log = opts.logger ?? silentLogger;
  }

  /** credentialsFor asks the provider once per registry (a failed lookup is retried later). */
  credentialsFor(registry: string): Promise<Credentials | undefined> {
    let p = this.#credentials.get(registry);
    if (!p) {
      p = this.#opts.credentials ? this.#opts.credentials(registry) : Promise.resolve(undefined);
      // Reported before anyone can send them: a registry may echo what it receives.
      p = p.then((c) => {
        for (const s of credentialSecrets(c)) this.#opts.onSecret?.(s);
        return c;
      });
      p.catch(() => this.#credentials.delete(registry));
      this.#credentials.set(registry, p);
    }
    return p;
  }

  /** challengeFor returns the challenge remembered for a registry. */
  challengeFor(registry: string): Challenge | undefined {
    return this.#challenges.get(registry);
  }

  /**
   * authorize returns the Authorization for a request about to be sent, from what is
   * already known about the registry; undefined means send anonymously first.
   */
  async authorize(
    registry: string,
    scopes: readonly Scope[],
    signal?: AbortSignal,
  ): Promise<AuthState | undefined> {
    const creds = await this.credentialsFor(registry);
    if (creds && 'registryToken' in creds) {
      // Docker config `registrytoken`: a bearer token sent to the registry as is.
      return { kind: 'registry-token', header: `Bearer ${creds.registryToken}` };
    }
    const challenge = this.#challenges.get(registry);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return basicState(creds);
    return this.#bearer(registry, challenge, scopes, signal);
  }

  /**
   * onUnauthorized handles a 401 from the registry: it remembers the challenge and
   * returns the Authorization to replay with, or undefined to give up. The caller
   * allows this at most twice per request (first challenge, then one refresh or one
   * `insufficient_scope` retry).
   */
  async onUnauthorized(
    registry: string,
    wwwAuthenticate: string | string[] | undefined,
    scopes: readonly Scope[],
    previous: AuthState | undefined,
    signal?: AbortSignal,
  ): Promise<AuthState | undefined> {
    const challenge = pickChallenge(parseChallenges(wwwAuthenticate));
    if (!challenge) return undefined;
    this.#challenges.set(registry, challenge);
    const creds = await this.credentialsFor(registry);
    if (previous?.kind === 'registry-token') return undefined;
    if (challenge.scheme === 'basic') {
      if (previous?.kind === 'basic') return undefined; // the registry refused them
      return basicState(creds);
    }
    // Bearer. The token's scopes are the request's plus any the challenge names: a
    // partial grant shows up later as `insufficient_scope` naming what was missing (token.md).
    const wanted = normalizeScopes([...scopes, ...challengeScopes(challenge)]);
    if (previous?.kind === 'bearer' && previous.key !== undefined) {
      // The token was refused: expired early, revoked, or lacking a scope. Drop it so
      // the fetch below gets a new one.
      this.#cache.invalidate(previous.key, previous.token);
      if (isInsufficientScope(challenge)) {
        this.#log.debug(
          { registry, scopes: wanted },
          'token lacks a scope (insufficient_scope), asking again',
        );
      }
    }
    return this.#bearer(registry, challenge, wanted, signal);
  }

  /**
   * noteChallenge remembers the challenge of a 401 to a request that cannot be replayed
   * (a streamed body) and drops the token it carried, so the next attempt fetches a
   * fresh token up front.
   */
  noteChallenge(
    registry: string,
    wwwAuthenticate: string | string[] | undefined,
    previous: AuthState | undefined,
  ): void {
    const challenge = pickChallenge(parseChallenges(wwwAuthenticate));
    if (challenge) this.#challenges.set(registry, challenge);
    if (previous?.key !== undefined) this.#cache.invalidate(previous.key, previous.token);
  }

  /**
   * worthRetrying tells, after a 401 to a request that could not be replayed (a streamed
   * body; noteChallenge already ran), whether sending it again from the start would
   * authenticate differently: it went out without credentials while the registry's
   * challenge now tells how to get them, or with a cached token the registry no longer
   * accepts (expired early, clocks apart: docs/faults.md case #19). A token fetched for this very
   * request, or refused Basic credentials, will not do better.
   */
  async worthRetrying(registry: string, previous: AuthState | undefined): Promise<boolean> {
    if (previous?.kind === 'bearer') return previous.reused === true;
    if (previous !== undefined) return false;
    const challenge = this.#challenges.get(registry);
    if (!challenge) return false;
    if (challenge.scheme === 'bearer') return true;
    const creds = await this.credentialsFor(registry).catch(() => undefined);
    return creds !== undefined && 'password' in creds;
  }

  /**
   * explainRefusal says, for the error message, why a registry's final 401 happened:
   * which credentials were used and what the challenge says was missing. Never a secret.
   */
  async explainRefusal(
    registry: string,
    wwwAuthenticate: string | string[] | undefined,
    previous: AuthState | undefined,
  ): Promise<string | undefined> {
    const challenge = pickChallenge(parseChallenges(wwwAuthenticate));
    if (!challenge) return undefined;
    const creds = await this.credentialsFor(registry).catch(() => undefined);
    const source = this.#source(registry);
    const who = creds ? describeCredentials(creds) : 'anonymous access';
    if (previous?.kind === 'registry-token') {
      return source
        ? `the registry refused the registry token${this.#refusedNote(registry)}`
        : 'the registry refused the registry token from the Docker config';
    }
    if (challenge.scheme === 'basic') {
      return creds
        ? `the registry refused ${who}${this.#refusedNote(registry)}`
        : this.#noCredentials(registry);
    }
    // Sorted: distribution lists a scope's actions in Go map order, so the same refusal
    // would otherwise read `push,pull` one run and `pull,push` the next.
    const scopes = normalizeScopes(challengeScopes(challenge)).join(' ');
    if (isInsufficientScope(challenge)) {
      // The token service granted less than asked (token.md: a partial grant is not an
      // error at the token service), and the one retry did not help. Logging in again
      // would not change what the account may do: no login hint.
      return `insufficient_scope: ${who} was not granted ${scopes || 'the access this request needs'}${
        creds && source ? ` (credentials from ${source.description})` : ''
      }`;
    }
    if (challenge.params.error === 'invalid_token') {
      return 'the registry refused a freshly issued token (invalid_token): it may not trust its token service, or the clocks differ';
    }
    return creds ? undefined : this.#noCredentials(registry);
  }

  /** #source is where the provider found, or looked for, the registry's credentials. */
  #source(registry: string): CredentialSource | undefined {
    return this.#opts.credentials?.source?.(registry);
  }

  /**
   * #refusedNote follows refused credentials: where they came from, and `login` when that
   * is a credentials file (login cannot change GITHUB_TOKEN or credentials given in code).
   */
  #refusedNote(registry: string): string {
    const source = this.#source(registry);
    if (!source) return '';
    const note = ` — credentials from ${source.description}`;
    return source.loginFile === undefined
      ? note
      : `${note}; log in again with \`oci-promote login ${registry}\``;
  }

  /** #noCredentials: where credentials were looked for, and how to log in, when known. */
  #noCredentials(registry: string): string {
    const source = this.#source(registry);
    if (!source) return `${registry} needs credentials`;
    const none = `no credentials found for ${registry} in ${source.description}`;
    return source.loginFile === undefined
      ? none
      : `${none} — log in with \`oci-promote login ${registry}\``;
  }

  async #bearer(
    registry: string,
    challenge: Challenge,
    scopes: readonly Scope[],
    signal?: AbortSignal,
  ): Promise<AuthState> {
    const realm = challenge.params.realm ?? '';
    const service = challenge.params.service;
    const key = tokenCacheKey(registry, realm, service, scopes);
    const reused = this.#cache.get(key) !== undefined;
    const token = await this.#cache.getOrFetch(key, () =>
      this.#fetchToken(registry, realm, service, normalizeScopes(scopes), signal),
    );
    return { kind: 'bearer', header: `Bearer ${token}`, key, token, ...(reused && { reused }) };
  }

  async #fetchToken(
    registry: string,
    realmText: string,
    service: string | undefined,
    scopes: readonly Scope[],
    signal?: AbortSignal,
  ): Promise<FetchedToken> {
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch {
      throw new AuthError(
        `registry ${registry} named a token service that is not a URL: ${JSON.stringify(redactUrl(realmText))}`,
      );
    }
    // A realm is where credentials go: only http(s) (CVE-2026-48978: unchecked realms
    // let a registry steal credentials or downgrade TLS).
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new AuthError(
        `registry ${registry} named a token service with scheme ${realm.protocol} (${redactUrl(realm)}); only http(s) is accepted`,
      );
    }
    let creds = await this.credentialsFor(registry);
    if (creds && realm.protocol === 'http:' && !usesPlainHttp(registry, this.#opts.plainHttp)) {
      // Secrets never travel in clear text unless the registry itself is plain http
      // (loopback test registries): ask anonymously instead.
      this.#log.warn(
        { registry, realm: redactUrl(realm) },
        'token service is plain http: not sending credentials to it',
      );
      creds = undefined;
    }
    const what = `get a token for ${registry} from ${redactUrl(realm)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    let req: TokenExchange;
    if (creds && 'identityToken' in creds) {
      // oauth.md: a refresh token (Docker config `identitytoken`) is exchanged by POST.
      const form = new URLSearchParams();
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', creds.identityToken);
      form.set('client_id', this.#opts.clientId ?? 'oci-promote');
      if (service !== undefined) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      headers['content-type'] = 'application/x-www-form-urlencoded';
      req = { registry, url: realm, method: 'POST', headers, body: form.toString() };
    } else {
      // token.md: GET with one `scope` parameter per scope, Basic credentials if any.
      const url = new URL(realm);
      if (service !== undefined) url.searchParams.append('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (creds && 'password' in creds) {
        headers.authorization = basicHeader(creds.username, creds.password);
      }
      req = { registry, url, method: 'GET', headers };
    }
    if (signal) req.signal = signal;

    let res: TokenExchangeResult;
    try {
      res = await this.#opts.send(req);
    } catch (e) {
      if (e instanceof ResponseTooLargeError) {
        throw new AuthError(`${what}: token response larger than 1 MiB`);
      }
      throw e;
    }
    if (res.status === 429 || res.status >= 500 || res.status === 408) {
      // Transient: let the request's retry policy try again.
      throw registryError({
        status: res.status,
        method: req.method,
        url: redactUrl(req.url),
        what,
        retryAfterMs: parseRetryAfter(firstHeader(res.headers['retry-after'])),
      });
    }
    if (res.status === 401 || res.status === 403) {
      // The token service refused these credentials (or anonymous access): the same
      // condition as a registry refusing Basic credentials, so the same error and code.
      throw new UnauthorizedError({
        status: res.status,
        method: req.method,
        url: redactUrl(req.url),
        message: `${what}: token service answered ${res.status} for ${describeCredentials(creds)}${tokenErrorDetail(res.body)}${
          creds
            ? this.#refusedNote(registry)
            : this.#source(registry)
              ? ` — ${this.#noCredentials(registry)}`
              : ' — this registry needs credentials'
        }`,
      });
    }
    if (res.status !== 200) {
      throw new AuthError(
        `${what}: token service answered ${res.status} for ${describeCredentials(creds)}${tokenErrorDetail(res.body)}`,
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.body.toString('utf8')) as typeof body;
    } catch {
      throw new AuthError(`${what}: token response is not JSON`);
    }
    // token.md: `token`, with `access_token` as the OAuth2-compatible alias.
    const token =
      typeof body?.token === 'string' && body.token !== ''
        ? body.token
        : typeof body?.access_token === 'string' && body.access_token !== ''
          ? body.access_token
          : undefined;
    if (token === undefined) throw new AuthError(`${what}: token response has no token`);
    this.#opts.onSecret?.(token);
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : undefined;
    this.#log.debug(
      { registry, realm: redactUrl(realm), scopes, expiresIn, as: describeCredentials(creds) },
      'fetched registry token',
    );
    return expiresIn === undefined ? { token } : { token, expiresIn };
  }
}

/**
 * credentialSecrets lists the secret parts of credentials: the password and the
 * `user:password` pair a Basic header encodes, or the token. Never the user name alone.
 */
export function credentialSecrets(c: Credentials | undefined): string[] {
  if (c === undefined) return [];
  if ('password' in c) return c.password ? [c.password, `${c.username}:${c.password}`] : [];
  if ('identityToken' in c) return [c.identityToken];
  return [c.registryToken];
}

/** basicHeader encodes `user:password` for `Authorization: Basic` (RFC 7617). */
export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function basicState(creds: Credentials | undefined): AuthState | undefined {
  if (!creds || !('password' in creds)) return undefined;
  return { kind: 'basic', header: basicHeader(creds.username, creds.password) };
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * tokenErrorDetail quotes a token service's explanation (`details` as Docker Hub sends,
 * `errors[].message`, or OAuth2 `error_description`), short and only from JSON.
 */
function tokenErrorDetail(body: Buffer): string {
  try {
    const o = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const errs = Array.isArray(o.errors) ? (o.errors as Array<Record<string, unknown>>) : [];
    const text =
      (typeof o.details === 'string' && o.details) ||
      (typeof o.error_description === 'string' && o.error_description) ||
      errs
        .map((e) => [e.code, e.message].filter((x) => typeof x === 'string').join(': '))
        .filter(Boolean)
        .join('; ') ||
      (typeof o.error === 'string' && o.error) ||
      '';
    return text ? ` (${text.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}
