/** The registry harness's types: options, the running registry, its request log entries. */

/** User-Agent prefix of the harness's own requests; they are filtered out of `requests()`. */
export const HARNESS_USER_AGENT = 'oci-promote-test-harness/';

/** What a request did, derived from its path (distribution API v2 routes). */
export type RequestKind =
  | 'ping' // /v2/
  | 'catalog' // /v2/_catalog
  | 'tags' // /v2/<name>/tags/list
  | 'manifest' // /v2/<name>/manifests/<reference>
  | 'blob' // /v2/<name>/blobs/<digest>
  | 'blob-upload' // /v2/<name>/blobs/uploads/ and /v2/<name>/blobs/uploads/<uuid>
  | 'referrers' // /v2/<name>/referrers/<digest>
  | 'other';

/** One request the registry served, parsed from its access log line. */
export interface RequestLogEntry {
  method: string;
  /** Path without the query string, e.g. `/v2/team/app/blobs/sha256:…`. */
  path: string;
  /** Query string without `?` ('' when none), e.g. `mount=sha256:…&from=staging/app`. */
  query: string;
  status: number;
  /** Response body bytes written by the registry (not the request body). */
  bytes: number;
  userAgent: string;
  kind: RequestKind;
  /** Repository name for repository-scoped routes. */
  repo?: string;
  /** Tag or digest for manifest routes, digest for blob/referrers routes, uuid for uploads. */
  ref?: string;
  /** True for `POST /v2/<name>/blobs/uploads/?mount=…` (cross-repository mount attempts). */
  mount?: boolean;
}

export interface RegistryOptions {
  /** Enable htpasswd auth (bcrypt entries generated with `htpasswd -Bbn`). */
  auth?: { users: Record<string, string>; realm?: string };
  /**
   * Last word on the generated configuration (a plain object written as JSON, which is
   * valid YAML): e.g. add `auth.token` or `http.tls` for other test tiers.
   */
  configure?: (config: Record<string, unknown>) => void;
  /**
   * Quiet window of `settledRequests()`/`resetRequests()` after the marker was logged: they
   * return once no request line arrived for this many milliseconds (default 30).
   */
  settleQuietMs?: number;
  /** Listen on this port instead of a free one (no retry when it is taken). */
  port?: number;
  /** Milliseconds to wait for the registry to listen and answer (default 15000). */
  readyTimeoutMs?: number;
  /** Folder for the registry's temporary folder (config and storage); default os.tmpdir(). */
  parentDir?: string;
}

export interface Registry {
  /** `127.0.0.1:PORT` — what goes in front of a repository name. */
  host: string;
  /** `http://127.0.0.1:PORT` (`https://` when the configuration has `http.tls`) */
  url: string;
  port: number;
  /** Process id of the registry (the process is gone after `stop()`). */
  pid: number;
  /** Filesystem storage root (`storage.filesystem.rootdirectory`). */
  dataDir: string;
  /** Temporary folder holding config.yml, htpasswd and the storage root. */
  dir: string;
  configPath: string;
  /** Users accepted by htpasswd auth ({} without auth). */
  users: Record<string, string>;
  /** First configured user, handy for skopeo `--creds` / `--dest-creds`. */
  credentials?: { username: string; password: string };
  /** Requests logged so far (harness requests excluded). Call `settledRequests()` first. */
  requests(): RequestLogEntry[];
  /** Waits until every request answered before this call is in the log, then returns them. */
  settledRequests(): Promise<RequestLogEntry[]>;
  /** Settles, then forgets every logged request. Await it before the requests to count. */
  resetRequests(): Promise<void>;
  /** The registry's own log (stderr), for diagnostics. */
  logs(): string;
  /** Kills the registry and removes its temporary folder. Idempotent. */
  stop(): Promise<void>;
}

/** Anything with tap's `teardown(fn)`. */
export interface TeardownHost {
  teardown(fn: () => unknown): void;
}
