/**
 * Runs the CLI in-process: `main(argv, io)` from cli/main.ts with captured stdout/stderr,
 * an injected environment and stdin. The environment never inherits the real one: HOME
 * and DOCKER_CONFIG point into a temporary folder, so the developer's ~/.docker is never
 * read (or written, by `login`).
 *
 * ```ts
 * const cli = await cliEnv(t);                   // temp HOME + DOCKER_CONFIG, removed in teardown
 * const r = await cli.run(['copy', '--plain-http', '--json', src, dst]);
 * t.equal(r.code, 0, r.stderr);
 * r.json().digest;
 * await cli.writeDockerConfig({ [reg.host]: reg.credentials! });
 * await cli.run(['login', reg.host, '-u', 'alice', '--password-stdin'], { stdin: 's3cret\n' });
 * ```
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { main } from '../../cli/main.js';

/** A parsed `--json` document: tests read fields of it freely. */
// biome-ignore lint/suspicious/noExplicitAny: test code reads arbitrary JSON fields
export type Json = any;

/** What one CLI run produced. */
export interface CliResult {
  /** The exit code main() resolved to. */
  code: number;
  /** stdout as UTF-8 text. */
  stdout: string;
  /** stdout exactly as written (for `inspect --raw`). */
  stdoutBytes: Buffer;
  stderr: string;
  /** stdout parsed as one JSON document (throws, naming stdout, when it is not). */
  json<T = Json>(): T;
}

export interface RunOptions {
  /** Environment variables (nothing is inherited from process.env). */
  env?: Record<string, string | undefined>;
  /** Bytes on standard input (default: empty, at EOF). */
  stdin?: string | Buffer;
  /** Pretend stdout/stderr are terminals. */
  tty?: boolean;
  signal?: AbortSignal;
}

/** runCli runs `oci-promote <argv>` in-process and captures what it printed. */
export async function runCli(argv: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => {
    const w = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        into.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
        done();
      },
    }) as Writable & { isTTY?: boolean };
    if (opts.tty) w.isTTY = true;
    return w;
  };
  const stdout = sink(out);
  const stderr = sink(err);
  const input = opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)];
  const code = await main(argv, {
    env: { ...opts.env },
    stdout,
    stderr,
    stdin: Readable.from(input),
    ...(opts.signal && { signal: opts.signal }),
  });
  const stdoutBytes = Buffer.concat(out);
  const text = stdoutBytes.toString('utf8');
  const stderrText = Buffer.concat(err).toString('utf8');
  return {
    code,
    stdout: text,
    stdoutBytes,
    stderr: stderrText,
    json() {
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(
          `stdout is not one JSON document (exit ${code}):\n${text}\nstderr:\n${stderrText}`,
        );
      }
    },
  };
}

/** A sandbox for CLI runs: its own HOME and DOCKER_CONFIG. */
export interface CliEnv {
  /** The temporary folder (removed in teardown). */
  dir: string;
  home: string;
  /** `$DOCKER_CONFIG` (folder); the config file is `configPath`. */
  dockerConfigDir: string;
  configPath: string;
  /** The environment every run gets (HOME, DOCKER_CONFIG, PATH; plus `extra`). */
  env: Record<string, string>;
  /** Runs the CLI in this sandbox; `opts.env` is merged over `env`. */
  run(argv: readonly string[], opts?: RunOptions): Promise<CliResult>;
  /** Writes `$DOCKER_CONFIG/config.json` with `auths.<host>.auth` = base64(user:password). */
  writeDockerConfig(
    auths: Record<string, { username: string; password: string }>,
    extra?: Record<string, unknown>,
  ): Promise<void>;
  /** The config file's text, or undefined when it does not exist. */
  readDockerConfig(): Promise<string | undefined>;
}

/** Anything with tap's `teardown(fn)`. */
export interface TeardownHost {
  teardown(fn: () => unknown): void;
}

/** cliEnv creates a sandbox removed in `t.teardown`. */
export async function cliEnv(t: TeardownHost, extra: Record<string, string> = {}): Promise<CliEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-promote-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  const dockerConfigDir = join(dir, 'docker');
  await mkdir(home, { recursive: true });
  const configPath = join(dockerConfigDir, 'config.json');
  const env: Record<string, string> = {
    HOME: home,
    DOCKER_CONFIG: dockerConfigDir,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...extra,
  };
  return {
    dir,
    home,
    dockerConfigDir,
    configPath,
    env,
    run: (argv, opts = {}) => runCli(argv, { ...opts, env: { ...env, ...opts.env } }),
    async writeDockerConfig(auths, more = {}) {
      await mkdir(dockerConfigDir, { recursive: true });
      const entries: Record<string, { auth: string }> = {};
      for (const [host, c] of Object.entries(auths)) {
        entries[host] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
      }
      await writeFile(configPath, `${JSON.stringify({ ...more, auths: entries }, null, 2)}\n`, {
        mode: 0o600,
      });
    },
    async readDockerConfig() {
      try {
        return await readFile(configPath, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}
