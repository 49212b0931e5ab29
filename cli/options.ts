/**
 * Flag groups shared by several commands, and their mapping to library options.
 */
import type { Argv } from 'yargs';
import { type CopyOptions, type Platform, parsePlatform, UsageError } from '../lib/index.js';
import type { Runtime } from './runtime.js';

/** CopyArgs are the flags of commands that copy content. */
export interface CopyArgs {
  jobs: number;
  platform?: string[];
  referrers: boolean;
  dryRun: boolean;
  chunkSize?: string;
  fromPlainHttp?: boolean;
  toPlainHttp?: boolean;
}

/** withCopyFlags adds the copy flags to a command. */
export function withCopyFlags<T>(y: Argv<T>): Argv<T & CopyArgs> {
  return y
    .option('jobs', { type: 'number', default: 4, describe: 'blob transfers at once' })
    .option('platform', {
      type: 'string',
      array: true,
      // One value per flag: without it yargs swallows the positionals that follow
      // (`--platform linux/arm64 SRC DST` would read SRC and DST as platforms).
      nargs: 1,
      describe:
        'copy only these platforms of an index (os/arch[/variant], repeatable); the copied index gets a new digest',
    })
    .option('chunk-size', {
      type: 'string',
      describe:
        'upload blobs larger than this in chunks (e.g. 64MiB); default: one streamed PUT, chunks only when a registry refuses it',
    })
    .option('referrers', {
      type: 'boolean',
      default: false,
      describe:
        'also copy signatures, SBOMs and attestations (referrers API, sha256-<hex> tag schema, cosign tags)',
    })
    .option('from-plain-http', {
      type: 'boolean',
      describe:
        'http:// for the source registry only (--from-plain-http=false: https even on loopback)',
    })
    .option('to-plain-http', {
      type: 'boolean',
      describe:
        'http:// for the target registry only (--to-plain-http=false: https even on loopback)',
    })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'plan only: read and check, write nothing',
    }) as unknown as Argv<T & CopyArgs>;
}

/** copyOptions maps the copy flags to library CopyOptions. */
export function copyOptions(
  args: CopyArgs,
  rt: Runtime,
  onEvent: CopyOptions['onEvent'],
): CopyOptions {
  if (!Number.isInteger(args.jobs) || args.jobs < 1 || args.jobs > 64) {
    throw new UsageError(`--jobs must be a whole number from 1 to 64, got ${args.jobs}`);
  }
  const platforms: Platform[] = (args.platform ?? []).map(parsePlatform);
  return {
    jobs: args.jobs,
    ...(args.chunkSize !== undefined && { chunkSize: parseSize(args.chunkSize, '--chunk-size') }),
    platforms,
    referrers: args.referrers,
    dryRun: args.dryRun,
    logger: rt.logger,
    ...(onEvent && { onEvent }),
    ...(rt.signal && { signal: rt.signal }),
  };
}

const units: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GIB: 1024 ** 3,
};

/** parseSize reads a byte count: `1048576`, `512KiB`, `16MiB`, `1GiB` (binary units). */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? units[m[2]!.toUpperCase()] : undefined;
  const n = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} takes a size like 16MiB or 1048576, got ${JSON.stringify(text)}`);
  }
  return n;
}
