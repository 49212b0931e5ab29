/**
 * Runtime: what a command needs from its environment, built from the global flags:
 * the logger, a registry client with credentials, and the output streams.
 * This is the only place the CLI reads the environment (REGISTRY_AUTH_FILE, DOCKER_CONFIG,
 * HOME, GITHUB_TOKEN).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  chainCredentials,
  createClient,
  DOCKER_HUB,
  dockerConfigCredentials,
  githubTokenCredentials,
  isLoopbackRegistry,
  parseLocation,
  type RegistryClient,
  type TransportOptions,
  UsageError,
} from '../lib/index.js';
import { type CliLogger, createLogger, type LogLevel } from './logger.js';
import { streamedGarbageCollector } from './memory.js';
import { createProgress, type Progress } from './progress.js';
import { SecretSet } from './secrets.js';
import { version } from './version.js';

/** CliIo is the process surroundings main() runs in (injectable for tests). */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  signal?: AbortSignal;
  /** The secrets the guarded streams mask (output-guard.ts); the runtime adds to them. */
  secrets?: SecretSet;
}

/** GlobalArgs are the flags every command accepts. */
export interface GlobalArgs {
  json: boolean;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
  quiet: boolean;
  /**
   * `--plain-http`: http:// for the registries of this command; `--no-plain-http`: https
   * even on loopback; absent: http for loopback registries only.
   */
  plainHttp?: boolean | undefined;
  /** copy and promote: the same for the source side, and for the target side. */
  fromPlainHttp?: boolean | undefined;
  toPlainHttp?: boolean | undefined;
  insecure: boolean;
  caFile?: string;
  /** `--registry-config`: the credentials file (read by every command, written by login). */
  registryConfig?: string | undefined;
}

/** Sides are the registries a command reads from and writes to (copy, promote). */
export interface Sides {
  from: Iterable<string>;
  to: Iterable<string>;
}

/** CommandOutput is what a command hands back for rendering. */
export interface CommandOutput {
  /** The `--json` document. */
  json: unknown;
  /** Human-readable lines for stdout. */
  text: string[];
  /** Bytes to write to stdout instead of text (`inspect --raw`). */
  raw?: Uint8Array;
  /** Exit code when not 0 (e.g. verify failed). */
  exitCode?: number;
  /** One line for stderr explaining a non-zero exit code. */
  failure?: string;
}

/** Runtime gives commands their logger, client and settings. */
export class Runtime {
  readonly logger: CliLogger;
  /**
   * Every secret this process holds, masked in everything it emits: GITHUB_TOKEN from
   * the start, credentials and tokens as the transport learns them (`onSecret`),
   * notification URLs when a command takes one.
   */
  readonly secrets: SecretSet;
  #client: RegistryClient | undefined;
  readonly #from = new Set<string>();
  readonly #to = new Set<string>();

  constructor(
    readonly io: CliIo,
    readonly args: GlobalArgs,
  ) {
    const level = args.quiet && args.logLevel === 'info' ? 'error' : args.logLevel;
    this.logger = createLogger(io.stderr, level, args.logFormat);
    this.secrets = io.secrets ?? new SecretSet();
    this.secrets.add(io.env.GITHUB_TOKEN);
  }

  get signal(): AbortSignal | undefined {
    return this.io.signal;
  }

  /**
   * dockerConfigPath is the credentials file: `--registry-config`, else
   * `$REGISTRY_AUTH_FILE` (as skopeo and podman), else `$DOCKER_CONFIG/config.json`, else
   * `~/.docker/config.json`.
   */
  get dockerConfigPath(): string {
    const named = this.#namedConfig();
    if (named) return named.path;
    const dir = this.io.env.DOCKER_CONFIG || join(this.io.env.HOME || homedir(), '.docker');
    return join(dir, 'config.json');
  }

  /** The credentials file named by `--registry-config` or `$REGISTRY_AUTH_FILE`, if any. */
  #namedConfig(): { path: string; by: string } | undefined {
    if (this.args.registryConfig)
      return { path: this.args.registryConfig, by: '--registry-config' };
    const env = this.io.env.REGISTRY_AUTH_FILE;
    return env ? { path: env, by: 'REGISTRY_AUTH_FILE' } : undefined;
  }

  /**
   * checkNamedConfig: a credentials file named on purpose must be there to be read (a
   * typo would otherwise mean anonymous access and a puzzling 401); the default Docker
   * config may be missing. `login` creates the file instead, so it does not ask.
   */
  #checkNamedConfig(): void {
    const named = this.#namedConfig();
    if (!named) return;
    const { path, by } = named;
    try {
      if (!statSync(path).isFile()) {
        throw new UsageError(`cannot read ${by} ${path}: not a file`);
      }
      accessSync(path, constants.R_OK);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UsageError(
          `${by} ${path} does not exist — name an existing credentials file, or create it with \`oci-promote login REGISTRY\``,
        );
      }
      throw new UsageError(`cannot read ${by} ${path}: ${(e as Error).message}`);
    }
  }

  /**
   * useSides names the registries the command reads from and writes to, for
   * `--from-plain-http` / `--to-plain-http`. `copy <src> <dst>` and `promote <src> --to`
   * are read from the arguments; `promote --from-file` names its entries' registries.
   * One registry on both sides with the two flags disagreeing is a usage error.
   */
  useSides(sides: Sides): void {
    for (const r of sides.from) this.#from.add(r.toLowerCase());
    for (const r of sides.to) this.#to.add(r.toLowerCase());
    const { fromPlainHttp: from, toPlainHttp: to } = this.args;
    if (from === undefined || to === undefined || from === to) return;
    for (const r of this.#from) {
      if (this.#to.has(r)) {
        throw new UsageError(
          `--from-plain-http and --to-plain-http disagree about ${r}, which is both the source and the target registry`,
        );
      }
    }
  }

  /**
   * plainHttp decides http:// or https:// per registry: a side's flag for its registries,
   * then --plain-http / --no-plain-http (never Docker Hub), then the library's default
   * (loopback only), so a flag meant for one registry never sends another over http.
   */
  #plainHttp = (registry: string): boolean => {
    const name = registry.toLowerCase();
    const { fromPlainHttp: from, toPlainHttp: to, plainHttp } = this.args;
    if (from !== undefined && this.#from.has(name)) return from;
    if (to !== undefined && this.#to.has(name)) return to;
    // Docker Hub answers https only: --plain-http never sends it over http.
    if (plainHttp === true && name === DOCKER_HUB) return false;
    return plainHttp ?? isLoopbackRegistry(registry);
  };

  /** transportOptions maps the global flags to transport settings (no credentials). */
  transportOptions(): Omit<TransportOptions, 'credentials'> {
    let ca: Buffer | undefined;
    if (this.args.caFile) {
      try {
        ca = readFileSync(this.args.caFile);
      } catch (e) {
        throw new UsageError(`cannot read --ca-file ${this.args.caFile}: ${(e as Error).message}`);
      }
    }
    this.useSides(sidesOf(this.args));
    return {
      plainHttp: this.#plainHttp,
      insecure: this.args.insecure,
      ...(ca && { ca }),
      userAgent: `oci-promote/${version}`,
      logger: this.logger,
      onSecret: (secret) => this.secrets.add(secret),
    };
  }

  /**
   * client is created on first use: credentials from the credentials file (dockerConfigPath),
   * then GITHUB_TOKEN for ghcr.io.
   */
  client(): RegistryClient {
    if (!this.#client) this.#checkNamedConfig();
    this.#client ??= createClient({
      ...this.transportOptions(),
      credentials: chainCredentials(
        dockerConfigCredentials({ configPath: this.dockerConfigPath, env: this.io.env }),
        githubTokenCredentials({
          token: this.io.env.GITHUB_TOKEN,
          actor: this.io.env.GITHUB_ACTOR,
        }),
      ),
    });
    return this.#client;
  }

  /**
   * progress renders copy events on stderr unless --quiet is given, and keeps memory
   * flat while bytes stream (memory.ts).
   */
  progress(): Progress {
    const progress = createProgress(this.io.stderr, this.logger, !this.args.quiet);
    const collect = streamedGarbageCollector();
    return {
      onEvent: (e) => {
        collect(e);
        progress.onEvent(e);
      },
      done: () => progress.done(),
    };
  }

  async close(): Promise<void> {
    try {
      await this.#client?.close();
    } finally {
      await this.logger.close();
    }
  }
}

/**
 * sidesOf reads the registries of `copy <src> <dst>` and `promote <src> --to <repo>` from
 * the parsed arguments; what does not parse is left to the command to report.
 */
function sidesOf(args: GlobalArgs): Sides {
  const named = args as GlobalArgs & { src?: unknown; dst?: unknown; to?: unknown };
  const registryOf = (input: unknown): string[] => {
    if (typeof input !== 'string') return [];
    try {
      const loc = parseLocation(input);
      return loc.kind === 'registry' ? [loc.reference.registry] : [];
    } catch {
      return [];
    }
  };
  return { from: registryOf(named.src), to: [...registryOf(named.dst), ...registryOf(named.to)] };
}
