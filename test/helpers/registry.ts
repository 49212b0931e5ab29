/**
 * Real-registry test harness: starts CNCF distribution (`docker-registry serve`, the
 * Debian package) on a free loopback port with filesystem storage in a temporary folder,
 * optionally with htpasswd auth, and records every request it served from its access log.
 *
 * Request counting: distribution wraps its whole handler chain in gorilla's
 * CombinedLoggingHandler, which writes one combined-format line per HTTP request to the
 * registry's stdout *after* the handler returned. A test therefore cannot trust the log the
 * instant its own HTTP call resolved. `settledRequests()` (and `resetRequests()`) do two
 * things:
 *  1. send a marker request (`GET /v2/` with a unique User-Agent, on a fresh connection) and
 *     wait until that marker's line has been read from the pipe. The pipe is FIFO, and Go's
 *     net/http holds a small response (< 4 KiB) in its buffer until the handler, logging
 *     wrapper included, has returned — so every small response the client had seen is
 *     already logged when the marker's line shows up.
 *  2. then wait for a quiet window (`settleQuietMs`, default 30 ms) with no new request
 *     line. This covers large bodies (blob GETs whose size is a multiple of Go's write
 *     buffer): the client can receive the last byte before the serving goroutine writes
 *     its log line, and under CPU load the marker was measured to overtake it (14 of 2000
 *     GETs of 64 KiB–1 MiB blobs with 4 test processes on 2 cores; 0 of 2000 with the
 *     window). It is a timing argument, not a guarantee.
 * Marker and readiness requests carry a `oci-promote-test-harness/` User-Agent and are never
 * returned by `requests()`.
 *
 * Caveats: requests still in flight when `settledRequests()` is called are not waited for;
 * the access log has no request body size, so "no blob bytes uploaded" is asserted from the
 * request kinds (no PATCH/PUT on an upload session, only `POST ...?mount=` answered 201).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

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

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: never leak a registry process or a temp folder.

const live = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      try {
        entry.child.kill('SIGKILL');
      } catch {
        // already gone
      }
      try {
        rmSync(entry.dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/** `setpriv --pdeathsig SIGKILL` makes the kernel kill the registry if this process dies. */
let setprivPath: string | null | undefined;
async function findSetpriv(): Promise<string | null> {
  if (setprivPath !== undefined) return setprivPath;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      await execFileAsync(candidate, ['--pdeathsig', 'SIGKILL', 'true']);
      setprivPath = candidate;
      return candidate;
    } catch {
      // not usable
    }
  }
  setprivPath = null;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A currently free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** `user:bcrypt-hash` lines from `htpasswd -Bbn`. */
export async function htpasswdEntries(users: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    const { stdout } = await execFileAsync('htpasswd', ['-Bbn', user, password]);
    lines.push(stdout.trim());
  }
  return `${lines.join('\n')}\n`;
}

// 127.0.0.1 - - [01/Dec/2026:01:44:01 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
const ACCESS_LINE =
  /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-) "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"$/;

const NAME = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const ROUTES: Array<[RegExp, RequestKind]> = [
  [new RegExp(`^/v2/(${NAME})/manifests/([^/]+)$`), 'manifest'],
  [new RegExp(`^/v2/(${NAME})/blobs/uploads/?([^/]*)$`), 'blob-upload'],
  [new RegExp(`^/v2/(${NAME})/blobs/([^/]+)$`), 'blob'],
  [new RegExp(`^/v2/(${NAME})/tags/list$`), 'tags'],
  [new RegExp(`^/v2/(${NAME})/referrers/([^/]+)$`), 'referrers'],
];

function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** Parses one combined-format access log line of distribution; undefined if it is not one. */
export function parseAccessLine(line: string): RequestLogEntry | undefined {
  const m = ACCESS_LINE.exec(line);
  if (!m) return undefined;
  const [, method, uri, status, bytes, ua] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const q = uri.indexOf('?');
  const path = q === -1 ? uri : uri.slice(0, q);
  const query = q === -1 ? '' : uri.slice(q + 1);
  const entry: RequestLogEntry = {
    method,
    path,
    query,
    status: Number(status),
    bytes: bytes === '-' ? 0 : Number(bytes),
    userAgent: unquote(ua),
    kind: 'other',
  };
  if (path === '/v2/' || path === '/v2') entry.kind = 'ping';
  else if (path === '/v2/_catalog') entry.kind = 'catalog';
  else {
    for (const [re, kind] of ROUTES) {
      const r = re.exec(path);
      if (!r) continue;
      entry.kind = kind;
      entry.repo = r[1];
      if (r[2]) entry.ref = decodeURIComponent(r[2]);
      break;
    }
  }
  if (entry.kind === 'blob-upload' && method === 'POST') {
    entry.mount = new URLSearchParams(query).has('mount');
  }
  return entry;
}

/** Counts entries by `"METHOD kind status"`, e.g. `{ "HEAD blob 200": 8 }` — for messages. */
export function summarizeRequests(entries: RequestLogEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) {
    const key = `${e.method} ${e.kind}${e.mount ? ' mount' : ''} ${e.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/**
 * Requests that carried blob bytes to the registry: PATCH or PUT on an upload session, and
 * POST to start a (non-mount) upload. Empty for a copy that only mounted/skipped blobs.
 */
export function blobUploadRequests(entries: RequestLogEntry[]): RequestLogEntry[] {
  return entries.filter(
    (e) =>
      e.kind === 'blob-upload' &&
      (e.method === 'PATCH' || e.method === 'PUT' || (e.method === 'POST' && !e.mount)),
  );
}

function get(
  port: number,
  path: string,
  headers: Record<string, string>,
  tls = false,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    // Harness requests to a TLS registry skip verification: they only probe and mark.
    const send = tls ? httpsRequest : httpRequest;
    const req = send(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers,
        agent: false,
        timeout: 5000,
        ...(tls && { rejectUnauthorized: false }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------

let registrySerial = 0;

/** Starts a registry; with a tap test first, it is stopped in `t.teardown`. */
export function startRegistry(opts?: RegistryOptions): Promise<Registry>;
export function startRegistry(t: TeardownHost, opts?: RegistryOptions): Promise<Registry>;
export async function startRegistry(
  a?: TeardownHost | RegistryOptions,
  b?: RegistryOptions,
): Promise<Registry> {
  const host = a && typeof (a as TeardownHost).teardown === 'function' ? (a as TeardownHost) : null;
  const opts = (host ? b : (a as RegistryOptions | undefined)) ?? {};
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const registry = await startOnce(opts);
      host?.teardown(() => registry.stop());
      return registry;
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError) || opts.port !== undefined) throw err;
    }
  }
  throw lastError;
}

class PortInUseError extends Error {}

async function startOnce(opts: RegistryOptions): Promise<Registry> {
  installExitHook();
  const id = `${process.pid}-${++registrySerial}`;
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-registry-'));
  const dataDir = join(dir, 'storage');
  const configPath = join(dir, 'config.yml');
  const port = opts.port ?? (await findFreePort());
  const users = opts.auth?.users ?? {};

  const config: Record<string, unknown> = {
    version: '0.1',
    log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: dataDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${port}`, secret: `oci-promote-test-${id}` },
    health: { storagedriver: { enabled: false } },
  };
  if (opts.auth) {
    const htpasswdPath = join(dir, 'htpasswd');
    await writeFile(htpasswdPath, await htpasswdEntries(users), { mode: 0o600 });
    config.auth = {
      htpasswd: { realm: opts.auth.realm ?? 'oci-promote-test', path: htpasswdPath },
    };
  }
  opts.configure?.(config);
  // `configure` may turn on TLS (`http.tls`): the harness then speaks https to it.
  const tls = Boolean((config.http as { tls?: unknown } | undefined)?.tls);
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);

  const setpriv = await findSetpriv();
  const [cmd, args] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGKILL', 'docker-registry', 'serve', configPath]]
    : ['docker-registry', ['serve', configPath]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const record = { child, dir };
  live.add(record);

  let entries: RequestLogEntry[] = [];
  let lastLineAt = 0;
  const unparsed: string[] = [];
  const markers = new Map<string, () => void>();
  let stderr = '';
  let stdoutRest = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let listening = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };

  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const lines = (stdoutRest + chunk).split('\n');
    stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      const entry = parseAccessLine(line);
      if (!entry) {
        unparsed.push(line);
        continue;
      }
      if (entry.userAgent.startsWith(HARNESS_USER_AGENT)) {
        markers.get(entry.userAgent)?.();
        continue;
      }
      entries.push(entry);
      lastLineAt = performance.now();
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 256 * 1024) stderr = stderr.slice(-128 * 1024);
    if (!listening && stderr.includes(`listening on 127.0.0.1:${port}`)) {
      listening = true;
      wake();
    }
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    wake();
  });
  child.on('error', (err) => {
    stderr += `\nspawn error: ${err.message}\n`;
    exited = { code: -1, signal: null };
    wake();
  });

  const tail = () => stderr.split('\n').slice(-15).join('\n');

  let markerSerial = 0;
  const quietMs = opts.settleQuietMs ?? 30;
  const settle = async (timeoutMs = 10_000): Promise<void> => {
    if (exited)
      throw new Error(`registry on ${port} exited (${JSON.stringify(exited)})\n${tail()}`);
    const ua = `${HARNESS_USER_AGENT}marker-${id}-${++markerSerial}`;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve, reject) => {
      markers.set(ua, resolve);
      timer = setTimeout(
        () => reject(new Error(`registry on ${port}: marker ${ua} not logged in ${timeoutMs}ms`)),
        timeoutMs,
      );
    });
    try {
      await get(port, '/v2/', { 'user-agent': ua }, tls);
      await seen;
    } finally {
      clearTimeout(timer);
      markers.delete(ua);
    }
    // Then a quiet window: no request line for `quietMs` after the marker (see header).
    const markerAt = performance.now();
    for (;;) {
      const quietFor = performance.now() - Math.max(markerAt, lastLineAt);
      if (quietFor >= quietMs) break;
      await delay(quietMs - quietFor);
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await gone;
        clearTimeout(timer);
      }
      live.delete(record);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  // Wait for "listening on 127.0.0.1:PORT" (logged only after a successful bind), then for
  // a marker request to come back through the access log.
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  const deadline = Date.now() + readyTimeoutMs;
  try {
    while (!listening) {
      if (exited) {
        if (/address already in use/.test(stderr)) {
          throw new PortInUseError(`docker-registry: 127.0.0.1:${port} address already in use`);
        }
        throw new Error(
          `docker-registry exited during start (${JSON.stringify(exited)})\n${tail()}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`docker-registry did not listen within ${readyTimeoutMs}ms\n${tail()}`);
      }
      await new Promise<void>((resolve) => {
        const w = () => {
          waiters.delete(w);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(w, 100);
        waiters.add(w);
      });
    }
    for (;;) {
      try {
        const res = await get(
          port,
          '/v2/',
          { 'user-agent': `${HARNESS_USER_AGENT}ready-${id}` },
          tls,
        );
        if (res.headers['docker-distribution-api-version'] === 'registry/2.0') break;
      } catch {
        // not answering yet
      }
      if (exited) throw new Error(`docker-registry exited during start\n${tail()}`);
      if (Date.now() > deadline) {
        throw new Error(`docker-registry did not answer GET /v2/ within ${readyTimeoutMs}ms`);
      }
      await delay(50);
    }
    await settle(Math.max(1000, deadline - Date.now()));
  } catch (err) {
    await stop();
    throw err;
  }
  entries = [];

  const first = Object.entries(users)[0];
  return {
    host: `127.0.0.1:${port}`,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    dataDir,
    dir,
    configPath,
    users,
    ...(first ? { credentials: { username: first[0], password: first[1] } } : {}),
    requests: () => entries.slice(),
    settledRequests: async () => {
      await settle();
      return entries.slice();
    },
    resetRequests: async () => {
      await settle();
      entries = [];
    },
    logs: () => stderr,
    stop,
  };
}
