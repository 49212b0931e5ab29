/**
 * Docker credential helpers (docker/docker-credential-helpers protocol): run
 * `docker-credential-<name> get`, write the server URL on stdin, read
 * `{"ServerURL","Username","Secret"}` on stdout.
 */
import { spawn } from 'node:child_process';
import { AuthError } from '../errors.js';
import type { Credentials } from './types.js';

/** DOCKER_HUB_SERVER_URL is the server URL Docker stores Docker Hub credentials under. */
export const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';

/** CredHelperOptions configures how helpers are run. */
export interface CredHelperOptions {
  /** Environment of the helper; its PATH is where `docker-credential-*` is looked up. */
  env?: Record<string, string | undefined>;
  /** Milliseconds before the helper is killed (default 30 000; keychains may prompt). */
  timeoutMs?: number;
}

const MAX_OUTPUT = 1 << 20;

/**
 * runCredentialHelper asks helper `name` for the credentials of `serverUrl`. Returns
 * undefined when the helper says it has none; throws AuthError (without any secret in
 * its message) when the helper is missing, fails or answers nonsense.
 */
export function runCredentialHelper(
  name: string,
  serverUrl: string,
  opts: CredHelperOptions = {},
): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return Promise.reject(new AuthError(`invalid credential helper name ${JSON.stringify(name)}`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.env && { env: opts.env as NodeJS.ProcessEnv }),
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (err: Error | undefined, value?: Credentials) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // A grandchild may still hold the pipes open; do not let it keep us alive.
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      finish(
        new AuthError(
          `credential helper ${program} did not answer within ${opts.timeoutMs ?? 30_000} ms for ${serverUrl}`,
        ),
      );
    }, opts.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr.on('data', (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(
        new AuthError(
          e.code === 'ENOENT'
            ? `credential helper ${program} not found on PATH (named by the Docker config for ${serverUrl}); install it or remove it from the config`
            : `credential helper ${program} could not be started: ${e.message}`,
        ),
      );
    });
    child.stdin.on('error', () => {
      // The helper may exit before reading stdin; its exit status tells what happened.
    });
    child.on('close', (code) => {
      if (code !== 0) {
        // The protocol's "not found" answer (credentials.ErrCredentialsNotFound).
        if (/credentials not found/i.test(`${stdout}\n${stderr}`)) {
          finish(undefined, undefined);
          return;
        }
        finish(
          new AuthError(
            `credential helper ${program} failed for ${serverUrl} (exit ${code})${firstLine(stderr || stdout)}`,
          ),
        );
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(stdout);
      } catch {
        finish(
          new AuthError(`credential helper ${program} gave unreadable output for ${serverUrl}`),
        );
        return;
      }
      const o = (parsed ?? {}) as { Username?: unknown; Secret?: unknown };
      const username = typeof o.Username === 'string' ? o.Username : '';
      const secret = typeof o.Secret === 'string' ? o.Secret : '';
      if (secret === '') {
        finish(undefined, undefined);
        return;
      }
      // `<token>` as the user name marks an identity (refresh) token (docker/cli
      // credentials/native_store.go).
      if (username === '<token>') finish(undefined, { identityToken: secret });
      else finish(undefined, { username, password: secret });
    });
    child.stdin.end(serverUrl);
  });
}

/**
 * firstLine keeps a short hint from a failed helper's output. Anything that looks like
 * it could carry the credentials (JSON, a `Secret` field) is left out.
 */
function firstLine(s: string): string {
  const line = s.trim().split('\n')[0]?.trim() ?? '';
  if (!line || /[{}]|secret|password|token/i.test(line)) return '';
  return `: ${line.slice(0, 200)}`;
}
