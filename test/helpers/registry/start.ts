/** Starting (and stopping) one `docker-registry serve` process; see registry.ts for the log. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAccessLine } from './access-log.js';
import { openLogFile } from './log-file.js';
import { delay, get } from './probe.js';
import { findFreePort, findSetpriv, htpasswdEntries, installExitHook, live } from './system.js';
import {
  HARNESS_USER_AGENT,
  type Registry,
  type RegistryOptions,
  type RequestLogEntry,
  type TeardownHost,
} from './types.js';

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
  const dir = await mkdtemp(join(opts.parentDir ?? tmpdir(), 'oci-promote-registry-'));
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
  // Its logs go to files the harness reads when it needs them (log-file.ts).
  const accessPath = join(dir, 'access.log');
  const serverPath = join(dir, 'registry.log');
  const outFd = openSync(accessPath, 'w');
  const errFd = openSync(serverPath, 'w');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { stdio: ['ignore', outFd, errFd], cwd: dir });
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  const accessLog = openLogFile(accessPath);
  const serverLog = openLogFile(serverPath);
  const record = { child, dir };
  live.add(record);

  let entries: RequestLogEntry[] = [];
  let lastLineAt = 0;
  const markers = new Set<string>();
  let stderr = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let listening = false;

  /** drain reads what the registry logged since the last call. */
  const drain = (): void => {
    for (const line of accessLog.read().split('\n')) {
      if (!line) continue;
      const entry = parseAccessLine(line);
      if (!entry) continue;
      if (entry.userAgent.startsWith(HARNESS_USER_AGENT)) {
        markers.add(entry.userAgent);
        continue;
      }
      entries.push(entry);
      lastLineAt = performance.now();
    }
    const more = serverLog.read();
    if (!more) return;
    stderr += more;
    if (stderr.length > 256 * 1024) stderr = stderr.slice(-128 * 1024);
    if (!listening && stderr.includes(`listening on 127.0.0.1:${port}`)) listening = true;
  };
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.on('error', (err) => {
    stderr += `\nspawn error: ${err.message}\n`;
    exited = { code: -1, signal: null };
  });

  const tail = () => {
    drain();
    return stderr.split('\n').slice(-15).join('\n');
  };

  let markerSerial = 0;
  const quietMs = opts.settleQuietMs ?? 30;
  const settle = async (timeoutMs = 10_000): Promise<void> => {
    if (exited)
      throw new Error(`registry on ${port} exited (${JSON.stringify(exited)})\n${tail()}`);
    const ua = `${HARNESS_USER_AGENT}marker-${id}-${++markerSerial}`;
    await get(port, '/v2/', { 'user-agent': ua }, tls);
    const until = performance.now() + timeoutMs;
    for (drain(); !markers.delete(ua); drain()) {
      if (performance.now() > until) {
        throw new Error(`registry on ${port}: marker ${ua} not logged in ${timeoutMs}ms`);
      }
      await delay(2);
    }
    // Then a quiet window: no request line for `quietMs` after the marker (see header). A
    // line read late only makes the window longer.
    const markerAt = performance.now();
    for (;;) {
      drain();
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
      accessLog.close();
      serverLog.close();
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
    for (drain(); !listening; drain()) {
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
      await delay(10);
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
    requests: () => {
      drain();
      return entries.slice();
    },
    settledRequests: async () => {
      await settle();
      return entries.slice();
    },
    resetRequests: async () => {
      await settle();
      entries = [];
    },
    logs: () => {
      drain();
      return stderr;
    },
    stop,
  };
}
