/**
 * The contract between the registry client and the HTTP transport. The transport owns
 * connections, TLS, redirects, authentication and retries; the registry client only
 * says what it wants and which statuses it accepts.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';

/** HttpMethod lists the methods the Distribution API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Scope is a token scope, `repository:<name>:<actions>` (distribution docs/spec/auth/scope.md).
 * The name may contain `host:port`, so scopes are never split on ":".
 */
export type Scope = string;

/** RegistryRequest is one call of the Distribution API. */
export interface RegistryRequest {
  /** Normalised registry name (`docker.io`, `localhost:5000`). */
  registry: string;
  method: HttpMethod;
  /** Path below the registry root (`/v2/...`), or an absolute URL taken from a `Location` header. */
  path: string;
  /** Query parameters added to the URL; an array repeats the parameter. */
  query?: Record<string, string | readonly string[]>;
  headers?: Record<string, string>;
  /**
   * Request body. Bytes can be replayed (after a 401 or for a retry); a stream cannot,
   * so a request with a stream body is sent once and any failure is thrown.
   */
  body?: Uint8Array | Readable;
  /** Token scopes the request needs. */
  scopes: readonly Scope[];
  /** Statuses accepted; any other becomes a typed RegistryError. */
  expect: readonly number[];
  /** Short description for errors and logs, e.g. `fetch manifest sha256:...`. */
  what: string;
  signal?: AbortSignal;
  /**
   * Read the whole body inside the transport, at most `limit` bytes, before returning:
   * a body that breaks off (reset, premature close, stall) is then retried like any
   * transient failure. `bytes(limit)` returns it; `body` replays it.
   */
  read?: { limit: number };
  /**
   * Bytes the response body should hold (a blob's descriptor size), when the caller
   * streams it: with Content-Length, sets how long the response may take (the deadline).
   */
  expectedBytes?: number;
  /**
   * Whether the transport retries a transient failure of this request. Default: yes for a
   * replayable body, except inside an owned attempt (retry.ts `withRetry` with `owner`),
   * whose operation retries as a whole. `false`: sent once, the caller owns the retry; the
   * error carries the delay the registry asked for (RegistryError.retryAfterMs).
   */
  retry?: boolean;
}

/** RegistryResponse is an accepted answer. Its body must be consumed or dumped. */
export interface RegistryResponse {
  status: number;
  /** Response headers, names in lowercase. */
  headers: Record<string, string | string[] | undefined>;
  /** The URL that answered, after redirects; used to resolve relative `Location`s. */
  url: string;
  body: Readable;
  /** header returns one header value (the first when repeated). */
  header(name: string): string | undefined;
  /** bytes reads the whole body; throws ResponseTooLargeError past `limit` bytes. */
  bytes(limit: number): Promise<Buffer>;
  /** dump discards the body so the connection can be reused. */
  dump(): Promise<void>;
}

/** Transport sends registry requests. */
export interface Transport {
  request(req: RegistryRequest): Promise<RegistryResponse>;
  /** close releases every pooled connection. */
  close(): Promise<void>;
}

/** Credentials for one registry. */
export type Credentials =
  | { username: string; password: string }
  /** An OAuth2 refresh token (Docker config `identitytoken`), sent only to the token service. */
  | { identityToken: string; username?: string }
  /** A bearer token to send as is (Docker config `registrytoken`). */
  | { registryToken: string };

/** CredentialProvider finds credentials for a registry, or undefined for anonymous. */
export interface CredentialProvider {
  (registry: string): Promise<Credentials | undefined>;
  /**
   * Where this provider's answer for `registry` came from, or where it looked when it had
   * none, for error messages; never a secret. Asked after the provider answered for that
   * registry; undefined when it has nothing to say.
   */
  source?: (registry: string) => CredentialSource | undefined;
}

/** CredentialSource says where credentials came from (CredentialProvider.source). */
export interface CredentialSource {
  /** A file path, `docker-credential-NAME (credHelpers in FILE)`, `GITHUB_TOKEN`. */
  description: string;
  /**
   * The credentials file `login` writes to change this answer; absent when logging in
   * would not change it (a per-registry credential helper, an environment variable).
   */
  loginFile?: string;
}

/** One finished HTTP exchange, reported to `onExchange` (for counting and tracing). */
export interface ExchangeInfo {
  registry: string;
  method: HttpMethod;
  /** URL with query secrets and credentials removed. */
  url: string;
  status: number;
}

/** PlainHttp says which registries speak http:// (TransportOptions.plainHttp). */
export type PlainHttp = boolean | readonly string[] | ((registry: string) => boolean);

/** TransportOptions configures createTransport. */
export interface TransportOptions {
  credentials?: CredentialProvider;
  /**
   * Which registries are reached over http:// instead of https://: `true` every registry,
   * `false` none (https even on loopback), a list of registry names (`host:port` as in
   * references; the others follow the default), or a function of the registry name.
   * Default: plain http for loopback registries only (`localhost`, `*.localhost`,
   * 127.0.0.0/8, `::1`, any port), as crane does; https for every other.
   */
  plainHttp?: PlainHttp;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** Extra CA certificates (PEM) trusted in addition to the system store. */
  ca?: string | Buffer;
  userAgent?: string;
  /** Connections kept per origin (default 8). */
  connections?: number;
  /**
   * Milliseconds to wait for a connection, for response headers, and between body bytes.
   * Once the headers are in, a response must also finish within `deadline` ms plus its
   * expected size at `minRate` bytes per second (defaults 60 000 ms and 64 KiB/s,
   * deadline.ts), so a trickled body cannot run forever.
   */
  timeouts?: {
    connect?: number;
    headers?: number;
    idle?: number;
    deadline?: number;
    minRate?: number;
  };
  /**
   * Retries of transient failures per request (default 4), and the backoff bounds in ms.
   * Requests inside an owned attempt (a blob copy) are not retried here: their operation
   * has its own budget (CopyOptions.retry).
   */
  retry?: {
    retries?: number;
    minDelay?: number;
    maxDelay?: number;
    /** Cap in ms on a delay the registry asks for with Retry-After (default 60 000). */
    maxRetryAfter?: number;
    /** Waits between attempts (default a timer); tests inject a recorder to stay fast. */
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  };
  logger?: Logger;
  onExchange?: (info: ExchangeInfo) => void;
  /**
   * Called with each secret the transport learns, before it is sent anywhere: passwords
   * (also as `user:password`), identity and registry tokens, bearer tokens it fetches.
   * A registry may echo what it received; the caller redacts these from what it prints.
   */
  onSecret?: (secret: string) => void;
}
