/**
 * The transport layer's public pieces: createTransport and its options, credential
 * providers, the retry helper the copy engine reuses, and the pure helpers (challenge
 * parsing, URL redaction, scopes) other layers and tests need.
 */
export type { AuthState } from './auth.js';
export { Authenticator, basicHeader, MAX_TOKEN_RESPONSE_BYTES } from './auth.js';
export type { Challenge } from './challenge.js';
export {
  challengeScopes,
  isInsufficientScope,
  parseChallenges,
  pickChallenge,
} from './challenge.js';
export type { CredHelperOptions } from './cred-helper.js';
export { DOCKER_HUB_SERVER_URL, runCredentialHelper } from './cred-helper.js';
export {
  anonymousCredentials,
  chainCredentials,
  describeCredentials,
  GHCR,
  githubTokenCredentials,
  normalizeRegistryKey,
  staticCredentials,
} from './credentials.js';
export { DEFAULT_DEADLINE_MS, DEFAULT_MIN_RATE, deadlineMs, expectedBytes } from './deadline.js';
export type { DockerConfig, DockerConfigAuth, DockerConfigOptions } from './docker-config.js';
export { decodeAuthEntry, dockerConfigCredentials, readDockerConfig } from './docker-config.js';
export {
  DOCKER_HUB_HOST,
  originOf,
  REDACTED,
  redactUrl,
  registryBaseUrl,
  sameOrigin,
} from './endpoint.js';
export { buildUrl, createTransport, DEFAULT_TIMEOUTS } from './http.js';
export { addressKind, checkTarget, MAX_REDIRECTS, nextHop } from './redirect.js';
export { MAX_ERROR_BODY_BYTES, parseErrorBody, readLimited } from './response.js';
export type { RetryInfo, RetryOptions } from './retry.js';
export {
  DEFAULT_MAX_RETRY_AFTER_MS,
  isRetryable,
  parseRetryAfter,
  parseRetryHint,
  RETRY_HINT_FLOOR_MS,
  RETRYABLE_STATUSES,
  retryDelay,
  sleep,
  withRetry,
} from './retry.js';
export { normalizeScopes, repositoryScope, scopesCover } from './scope.js';
export type { FetchedToken } from './token-cache.js';
export { DEFAULT_TOKEN_LIFETIME_S, TokenCache, tokenCacheKey } from './token-cache.js';
export type * from './types.js';
