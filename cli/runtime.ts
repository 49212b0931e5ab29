/**
 * Runtime: what a command needs from its environment, built from the global flags:
 * the logger, a registry client with credentials, and the output streams.
 * This is the only place the CLI reads the environment (DOCKER_CONFIG, HOME, GITHUB_TOKEN).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger as Pino } from 'pino';
import {
  chainCredentials,
  createClient,
  dockerConfigCredentials,
  githubTokenCredentials,
  type RegistryClient,
  type TransportOptions,
  UsageError,
} from '../lib/index.js';
import { createLogger, type LogLevel } from './logger.js';
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
  plainHttp: boolean;
  insecure: boolean;
  caFile?: string;
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
  readonly logger: Pino;
  /**
   * Every secret this process holds, masked in everything it emits: GITHUB_TOKEN from
   * the start, credentials and tokens as the transport learns them (`onSecret`),
   * notification URLs when a command takes one.
   */
  readonly secrets: SecretSet;
  #client: RegistryClient | undefined;

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

  /** dockerConfigPath is `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  get dockerConfigPath(): string {
    const dir = this.io.env.DOCKER_CONFIG || join(this.io.env.HOME || homedir(), '.docker');
    return join(dir, 'config.json');
  }

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
    return {
      plainHttp: this.args.plainHttp,
      insecure: this.args.insecure,
      ...(ca && { ca }),
      userAgent: `oci-promote/${version}`,
      logger: this.logger,
      onSecret: (secret) => this.secrets.add(secret),
    };
  }

  /** client is created on first use: Docker config credentials, then GITHUB_TOKEN for ghcr.io. */
  client(): RegistryClient {
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
    if (!collect) return progress;
    return {
      onEvent: (e) => {
        collect(e);
        progress.onEvent(e);
      },
      done: () => progress.done(),
    };
  }

  async close(): Promise<void> {
    await this.#client?.close();
  }
}
