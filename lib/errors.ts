/**
 * Typed errors. One class per condition, each with a stable `code` that callers and
 * tests match on (the undici `lib/core/errors.js` convention), and a `category` that
 * the CLI maps to its exit code (docs/cli.md, exit codes).
 */

/**
 * ErrorCategory decides the CLI exit code: operational 1, usage 2, policy 3, integrity 4,
 * interrupted 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
 */
export type ErrorCategory = 'operational' | 'usage' | 'policy' | 'integrity' | 'interrupted';

const brand = Symbol.for('oci-promote.error');

/** OciPromoteError is the base of every error this library throws on purpose. */
export class OciPromoteError extends Error {
  readonly code: string = 'ERR_OCI_PROMOTE';
  readonly category: ErrorCategory = 'operational';
  readonly [brand] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** isOciPromoteError also recognises errors from another copy of this package. */
export function isOciPromoteError(e: unknown): e is OciPromoteError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/** ErrorSummary is what is reported of a failure: its stable code and a one-line message. */
export interface ErrorSummary {
  code: string;
  message: string;
}

/**
 * errorSummary reduces anything thrown to its code (ERR_ABORTED for an undici or DOM
 * AbortError, ERR_UNEXPECTED for the rest) and its message on one line, cut to `max` characters.
 */
export function errorSummary(e: unknown, max = Number.POSITIVE_INFINITY): ErrorSummary {
  const code = isOciPromoteError(e)
    ? e.code
    : e instanceof Error && e.name === 'AbortError'
      ? 'ERR_ABORTED'
      : 'ERR_UNEXPECTED';
  let message = (e instanceof Error ? e.message : String(e)).trim().replace(/\s*\n\s*/g, ' ');
  if (message.length > max) message = `${message.slice(0, max - 1)}…`;
  return { code, message };
}

/** UsageError reports bad input: flags, options or arguments that cannot work together. */
export class UsageError extends OciPromoteError {
  override readonly code: string = 'ERR_USAGE';
  override readonly category: ErrorCategory = 'usage';
}

/** InvalidReferenceError: a reference that does not match the distribution grammar. */
export class InvalidReferenceError extends UsageError {
  override readonly code = 'ERR_INVALID_REFERENCE';
}

/** InvalidDigestError: a digest string that is not a valid sha256/sha512 digest. */
export class InvalidDigestError extends UsageError {
  override readonly code = 'ERR_INVALID_DIGEST';
}

/** IntegrityError is the base of every "bytes are not what they claim to be" failure. */
export class IntegrityError extends OciPromoteError {
  override readonly code: string = 'ERR_INTEGRITY';
  override readonly category: ErrorCategory = 'integrity';
}

/** DigestMismatchError: content hashed to another digest than the one expected. */
export class DigestMismatchError extends IntegrityError {
  override readonly code = 'ERR_DIGEST_MISMATCH';
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: expected digest ${expected}, got ${actual}`);
  }
}

/** SizeMismatchError: content is longer or shorter than its descriptor says. */
export class SizeMismatchError extends IntegrityError {
  override readonly code = 'ERR_SIZE_MISMATCH';
  constructor(
    readonly expected: number,
    readonly actual: number,
    what: string,
  ) {
    super(
      `${what}: expected ${expected} bytes, got ${actual}${actual > expected ? ' or more' : ''}`,
    );
  }
}

/** ManifestInvalidError: a manifest that cannot be trusted or understood (CVE-2021-41190 rules). */
export class ManifestInvalidError extends IntegrityError {
  override readonly code = 'ERR_MANIFEST_INVALID';
}

/** ManifestTooLargeError: a manifest over the 4 MiB limit (distribution's own maximum). */
export class ManifestTooLargeError extends IntegrityError {
  override readonly code = 'ERR_MANIFEST_TOO_LARGE';
}

/** UnsupportedMediaTypeError: content this tool will not copy, e.g. Docker schema 1. */
export class UnsupportedMediaTypeError extends OciPromoteError {
  override readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE';
}

/** VerifyError: `verify` found a digest mismatch or missing content. */
export class VerifyError extends IntegrityError {
  override readonly code = 'ERR_VERIFY_FAILED';
  constructor(
    message: string,
    readonly missing: readonly string[] = [],
  ) {
    super(message);
  }
}

/** PolicyError: the operation is well-formed but a rule refuses it. */
export class PolicyError extends OciPromoteError {
  override readonly code: string = 'ERR_POLICY';
  override readonly category: ErrorCategory = 'policy';
}

/** HeldError: the digest is held in the target repository (`hold`, or a rollback). */
export class HeldError extends PolicyError {
  override readonly code = 'ERR_HELD';
}

/** FrozenError: the target repository is frozen (`freeze`). */
export class FrozenError extends PolicyError {
  override readonly code = 'ERR_FROZEN';
}

/** NotVerifiedError: a stage named by `--require-verified` has not verified the digest. */
export class NotVerifiedError extends PolicyError {
  override readonly code = 'ERR_NOT_VERIFIED';
}

/** One entry of a registry's `{"errors":[…]}` body (distribution-spec "Error Codes"). */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

/** What a RegistryError knows about the failed exchange. */
export interface RegistryErrorInit {
  status: number;
  method: string;
  url: string;
  errors?: RegistryErrorDetail[];
  retryAfterMs?: number;
  what?: string;
  /** Replaces the generated message (which names method, URL and status). */
  message?: string;
}

/**
 * RegistryError: a registry answered with a status the call does not accept.
 * `url` never carries credentials or query secrets (see `redactUrl`).
 */
export class RegistryError extends OciPromoteError {
  override readonly code: string = 'ERR_REGISTRY';
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly errors: RegistryErrorDetail[];
  /** Delay the registry asked for (Retry-After or GHCR's body hint), when given. */
  readonly retryAfterMs: number | undefined;

  constructor(init: RegistryErrorInit) {
    const codes = (init.errors ?? [])
      .map((e) => (e.message ? `${e.code}: ${e.message}` : e.code))
      .join('; ');
    const what = init.what ? `${init.what}: ` : '';
    super(
      init.message ??
        `${what}${init.method} ${init.url} answered ${init.status}${codes ? ` (${codes})` : ''}`,
    );
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.errors = init.errors ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }

  /** hasCode tells whether the registry's body named this error code. */
  hasCode(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

/** What a NotFoundError knows; the HTTP details only when a registry answered. */
export interface NotFoundInit {
  message?: string;
  /** Where it was looked for: a URL (credentials stripped), or `oci-layout:<path>`. */
  url?: string;
  status?: number;
  method?: string;
  what?: string;
}

/**
 * NotFoundError: content that is not there, in any backend (ERR_NOT_FOUND). A layout's
 * missing file carries no HTTP status or method. A registry's 404 is a
 * RegistryNotFoundError, which is also a RegistryError (status, method, `errors[]`); both
 * are `instanceof NotFoundError`, which is decided by the code, as isOciPromoteError is.
 */
export class NotFoundError extends OciPromoteError {
  override readonly code: string = 'ERR_NOT_FOUND';
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly method: string | undefined;

  constructor(init: NotFoundInit) {
    const what = init.what ? `${init.what}: ` : '';
    const answered =
      init.method !== undefined && init.status !== undefined
        ? `${init.method} ${init.url} answered ${init.status}`
        : undefined;
    super(init.message ?? `${what}${answered ?? `${init.url ?? 'content'} not found`}`);
    this.url = init.url;
    this.status = init.status;
    this.method = init.method;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // A subclass (none today) keeps the ordinary prototype check.
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof was asked about
    if (this !== NotFoundError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isOciPromoteError(value) && value.code === 'ERR_NOT_FOUND';
  }
}

/** RegistryNotFoundError: 404, or a body naming MANIFEST_UNKNOWN / BLOB_UNKNOWN / NAME_UNKNOWN. */
export class RegistryNotFoundError extends RegistryError {
  override readonly code = 'ERR_NOT_FOUND';
}

/** UnauthorizedError: 401/403 after authentication was attempted. */
export class UnauthorizedError extends RegistryError {
  override readonly code = 'ERR_UNAUTHORIZED';
}

/** RateLimitError: 429 TOOMANYREQUESTS. */
export class RateLimitError extends RegistryError {
  override readonly code = 'ERR_RATE_LIMITED';
}

/** ServerError: 5xx. */
export class ServerError extends RegistryError {
  override readonly code = 'ERR_REGISTRY_UNAVAILABLE';
}

/** registryError builds the subclass that fits the status. */
export function registryError(init: RegistryErrorInit): RegistryError {
  if (init.status === 404) return new RegistryNotFoundError(init);
  if (init.status === 401 || init.status === 403) return new UnauthorizedError(init);
  if (init.status === 429) return new RateLimitError(init);
  if (init.status >= 500) return new ServerError(init);
  return new RegistryError(init);
}

/** NetworkError: the exchange failed below HTTP (refused, reset, timeout, TLS). */
export class NetworkError extends OciPromoteError {
  override readonly code: string = 'ERR_NETWORK';
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** DeadlineError: a response did not finish in time (a floor plus its size at a minimum rate). */
export class DeadlineError extends NetworkError {
  override readonly code = 'ERR_DEADLINE';
}

/** RedirectError: a redirect that is refused (downgrade to http, loop, too many hops). */
export class RedirectError extends OciPromoteError {
  override readonly code = 'ERR_REDIRECT';
}

/** AuthError: credentials could not be obtained or the token service refused them. */
export class AuthError extends OciPromoteError {
  override readonly code = 'ERR_AUTH';
}

/** ResponseTooLargeError: a response body larger than the limit set for it. */
export class ResponseTooLargeError extends IntegrityError {
  override readonly code = 'ERR_RESPONSE_TOO_LARGE';
}

/** ProtocolError: a registry answer that breaks the Distribution API (e.g. no Location). */
export class ProtocolError extends OciPromoteError {
  override readonly code = 'ERR_PROTOCOL';
}

/**
 * UnsafeLayoutError: an OCI layout directory holds something no layout writer makes — a
 * FIFO, device or directory where a file belongs, or a symlink that leaves the layout.
 */
export class UnsafeLayoutError extends UsageError {
  override readonly code = 'ERR_UNSAFE_LAYOUT';
}

/** InterruptedError: the operation was stopped by a signal (the abort reason the CLI gives). */
export class InterruptedError extends OciPromoteError {
  override readonly code = 'ERR_INTERRUPTED';
  override readonly category: ErrorCategory = 'interrupted';
  constructor(
    /** The signal's name, e.g. `SIGINT`. */
    readonly signal: string,
  ) {
    super(`interrupted by ${signal}`);
  }
}

/** LostTag: an immutable tag a concurrent writer set to another digest. */
export interface LostTag {
  tag: string;
  /** The digest this operation meant to write. */
  ours: string;
  /** The digest the tag holds. */
  theirs: string;
}

/**
 * TagRaceError: a concurrent writer set an immutable tag to another digest (before or
 * right after this operation wrote it). Operational (exit 1): nothing is wrong with the
 * request, and re-running it is refused by policy while the other digest holds the tag.
 */
export class TagRaceError extends OciPromoteError {
  override readonly code = 'ERR_TAG_RACE';
  override readonly category: ErrorCategory = 'operational';
  constructor(
    message: string,
    readonly lost: readonly LostTag[],
  ) {
    super(message);
  }
}
