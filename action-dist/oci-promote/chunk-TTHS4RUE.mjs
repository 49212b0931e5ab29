import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);

// lib/errors.ts
var brand = Symbol.for("oci-promote.error");
var OciPromoteError = class extends Error {
  code = "ERR_OCI_PROMOTE";
  category = "operational";
  [brand] = true;
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
};
function isOciPromoteError(e) {
  return typeof e === "object" && e !== null && e[brand] === true;
}
function errorSummary(e, max = Number.POSITIVE_INFINITY) {
  const code = isOciPromoteError(e) ? e.code : e instanceof Error && e.name === "AbortError" ? "ERR_ABORTED" : "ERR_UNEXPECTED";
  let message = (e instanceof Error ? e.message : String(e)).trim().replace(/\s*\n\s*/g, " ");
  if (message.length > max) message = `${message.slice(0, max - 1)}\u2026`;
  return { code, message };
}
var UsageError = class extends OciPromoteError {
  code = "ERR_USAGE";
  category = "usage";
};
var InvalidReferenceError = class extends UsageError {
  code = "ERR_INVALID_REFERENCE";
};
var InvalidDigestError = class extends UsageError {
  code = "ERR_INVALID_DIGEST";
};
var IntegrityError = class extends OciPromoteError {
  code = "ERR_INTEGRITY";
  category = "integrity";
};
var DigestMismatchError = class extends IntegrityError {
  constructor(expected, actual, what) {
    super(`${what}: expected digest ${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }
  code = "ERR_DIGEST_MISMATCH";
};
var SizeMismatchError = class extends IntegrityError {
  constructor(expected, actual, what) {
    super(
      `${what}: expected ${expected} bytes, got ${actual}${actual > expected ? " or more" : ""}`
    );
    this.expected = expected;
    this.actual = actual;
  }
  code = "ERR_SIZE_MISMATCH";
};
var ManifestInvalidError = class extends IntegrityError {
  code = "ERR_MANIFEST_INVALID";
};
var ManifestTooLargeError = class extends IntegrityError {
  code = "ERR_MANIFEST_TOO_LARGE";
};
var UnsupportedMediaTypeError = class extends OciPromoteError {
  code = "ERR_UNSUPPORTED_MEDIA_TYPE";
};
var VerifyError = class extends IntegrityError {
  constructor(message, missing = []) {
    super(message);
    this.missing = missing;
  }
  code = "ERR_VERIFY_FAILED";
};
var PolicyError = class extends OciPromoteError {
  code = "ERR_POLICY";
  category = "policy";
};
var HeldError = class extends PolicyError {
  code = "ERR_HELD";
};
var FrozenError = class extends PolicyError {
  code = "ERR_FROZEN";
};
var NotVerifiedError = class extends PolicyError {
  code = "ERR_NOT_VERIFIED";
};
var RegistryError = class extends OciPromoteError {
  code = "ERR_REGISTRY";
  status;
  method;
  url;
  errors;
  /** Delay the registry asked for (Retry-After or GHCR's body hint), when given. */
  retryAfterMs;
  constructor(init) {
    const codes = (init.errors ?? []).map((e) => e.message ? `${e.code}: ${e.message}` : e.code).join("; ");
    const what = init.what ? `${init.what}: ` : "";
    super(
      init.message ?? `${what}${init.method} ${init.url} answered ${init.status}${codes ? ` (${codes})` : ""}`
    );
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.errors = init.errors ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }
  /** hasCode tells whether the registry's body named this error code. */
  hasCode(code) {
    return this.errors.some((e) => e.code === code);
  }
};
var NotFoundError = class _NotFoundError extends OciPromoteError {
  code = "ERR_NOT_FOUND";
  url;
  status;
  method;
  constructor(init) {
    const what = init.what ? `${init.what}: ` : "";
    const answered = init.method !== void 0 && init.status !== void 0 ? `${init.method} ${init.url} answered ${init.status}` : void 0;
    super(init.message ?? `${what}${answered ?? `${init.url ?? "content"} not found`}`);
    this.url = init.url;
    this.status = init.status;
    this.method = init.method;
  }
  static [Symbol.hasInstance](value) {
    if (this !== _NotFoundError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isOciPromoteError(value) && value.code === "ERR_NOT_FOUND";
  }
};
var RegistryNotFoundError = class extends RegistryError {
  code = "ERR_NOT_FOUND";
};
var UnauthorizedError = class extends RegistryError {
  code = "ERR_UNAUTHORIZED";
};
var RateLimitError = class extends RegistryError {
  code = "ERR_RATE_LIMITED";
};
var ServerError = class extends RegistryError {
  code = "ERR_REGISTRY_UNAVAILABLE";
};
function registryError(init) {
  if (init.status === 404) return new RegistryNotFoundError(init);
  if (init.status === 401 || init.status === 403) return new UnauthorizedError(init);
  if (init.status === 429) return new RateLimitError(init);
  if (init.status >= 500) return new ServerError(init);
  return new RegistryError(init);
}
var NetworkError = class extends OciPromoteError {
  constructor(message, method, url, options) {
    super(message, options);
    this.method = method;
    this.url = url;
  }
  code = "ERR_NETWORK";
};
var DeadlineError = class extends NetworkError {
  code = "ERR_DEADLINE";
};
var RedirectError = class extends OciPromoteError {
  code = "ERR_REDIRECT";
};
var AuthError = class extends OciPromoteError {
  code = "ERR_AUTH";
};
var ResponseTooLargeError = class extends IntegrityError {
  code = "ERR_RESPONSE_TOO_LARGE";
};
var ProtocolError = class extends OciPromoteError {
  code = "ERR_PROTOCOL";
};
var UnsafeLayoutError = class extends UsageError {
  code = "ERR_UNSAFE_LAYOUT";
};
var InterruptedError = class extends OciPromoteError {
  constructor(signal) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
  code = "ERR_INTERRUPTED";
  category = "interrupted";
};
var TagRaceError = class extends OciPromoteError {
  constructor(message, lost) {
    super(message);
    this.lost = lost;
  }
  code = "ERR_TAG_RACE";
  category = "operational";
};

export {
  OciPromoteError,
  isOciPromoteError,
  errorSummary,
  UsageError,
  InvalidReferenceError,
  InvalidDigestError,
  IntegrityError,
  DigestMismatchError,
  SizeMismatchError,
  ManifestInvalidError,
  ManifestTooLargeError,
  UnsupportedMediaTypeError,
  VerifyError,
  PolicyError,
  HeldError,
  FrozenError,
  NotVerifiedError,
  RegistryError,
  NotFoundError,
  RegistryNotFoundError,
  UnauthorizedError,
  RateLimitError,
  ServerError,
  registryError,
  NetworkError,
  DeadlineError,
  RedirectError,
  AuthError,
  ResponseTooLargeError,
  ProtocolError,
  UnsafeLayoutError,
  InterruptedError,
  TagRaceError
};
