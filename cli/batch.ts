/**
 * `promote --from-file FILE [--shard I/N] [--parallel N]`: promote every entry of a
 * promotions file (JSON or the YAML subset of docs/cli.md), or one shard of it. The file
 * is read and validated as a whole first — any problem exits 2 and promotes nothing.
 * Then every entry runs, a failure never stopping the others, and the summary lists
 * each one; exit 1 if any failed.
 */
import { readFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import {
  type BatchResult,
  DEFAULT_PARALLEL,
  formatPromotionEntry,
  formatReference,
  type PromotionResult,
  parsePromotionFile,
  parseShard,
  promoteBatch,
  provenanceFromEnv,
  type Shard,
  selectShard,
  UsageError,
} from '../lib/index.js';
import { EXIT } from './exit-codes.js';
import { type CopyArgs, copyOptions } from './options.js';
import type { CommandOutput, GlobalArgs, Runtime } from './runtime.js';
import { version } from './version.js';

/** At most this many promotions at once (each runs up to `--jobs` transfers). */
export const MAX_PARALLEL = 16;

/** BatchFlags are the flags withBatchFlags adds. */
export interface BatchFlags {
  fromFile?: string;
  shard?: string;
  parallel?: number;
}

/**
 * BatchArgs is what runBatch reads: the batch flags, the global and copy flags, and the
 * promote flags that act as defaults for every entry.
 */
export type BatchArgs = GlobalArgs &
  CopyArgs &
  BatchFlags & {
    fromFile: string;
    /** Must be absent: sources come from the file. */
    src?: string;
    /** Must be absent: targets come from the file. */
    to?: string;
    /** Must be absent: tags come from the file. */
    tag?: string[];
    semver?: boolean;
    allowOverwrite?: boolean;
    requireReferrer?: string[];
  };

/** BatchHooks let the promote command add its per-promotion side effects (audit, notify). */
export interface BatchHooks {
  /**
   * Called as each entry finishes. If it throws, that entry counts as failed (with that
   * error) and the batch goes on.
   */
  onResult?: (result: BatchResult) => void | Promise<void>;
}

/** withBatchFlags adds `--from-file`, `--shard` and `--parallel` to a command. */
export function withBatchFlags<T>(y: Argv<T>): Argv<T & BatchFlags> {
  return y
    .option('from-file', {
      type: 'string',
      describe:
        'promote every entry of this promotions file (JSON or YAML, see docs/cli.md); "-" reads stdin',
    })
    .option('shard', {
      type: 'string',
      describe:
        'with --from-file: only shard I of N (entry k goes to shard k mod N + 1), e.g. 2/4 in a 4-job matrix',
    })
    .option('parallel', {
      type: 'number',
      describe: `with --from-file: promotions at once (default ${DEFAULT_PARALLEL}, at most ${MAX_PARALLEL})`,
    })
    .check((argv) => {
      const a = argv as BatchFlags;
      if (a.fromFile === undefined && (a.shard !== undefined || a.parallel !== undefined)) {
        throw new UsageError('--shard and --parallel go with --from-file: name a promotions file');
      }
      return true;
    }) as unknown as Argv<T & BatchFlags>;
}

/** runBatch runs `promote --from-file`; exit code 1 in its output when an entry failed. */
export async function runBatch(
  rt: Runtime,
  args: BatchArgs,
  hooks: BatchHooks = {},
): Promise<CommandOutput> {
  if (args.src !== undefined || args.to !== undefined || (args.tag?.length ?? 0) > 0) {
    throw new UsageError(
      '--from-file takes sources, targets and tags from the file: leave out <src>, --to and --tag',
    );
  }
  if (args.fromFile === '') throw new UsageError('--from-file needs a file name (or - for stdin)');
  const shard = args.shard === undefined ? null : parseShard(args.shard);
  const parallel = args.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) {
    throw new UsageError(
      `--parallel must be a whole number from 1 to ${MAX_PARALLEL}, got ${parallel}`,
    );
  }
  // Checks --jobs and --platform before anything is read or sent.
  const copy = copyOptions(args, rt, undefined);

  const name = args.fromFile === '-' ? '<stdin>' : args.fromFile;
  const entries = parsePromotionFile(await readPromotionFile(rt, args.fromFile), name);
  const selected = shard ? selectShard(entries, shard.index, shard.count) : entries;

  const progress = rt.progress();
  let finished = 0;
  try {
    const outcome = await promoteBatch(rt.client(), selected, {
      parallel,
      defaults: {
        ...(copy.jobs !== undefined && { jobs: copy.jobs }),
        dryRun: args.dryRun,
        provenance: provenanceFromEnv(rt.io.env),
        logger: rt.logger,
        ...(rt.signal && { signal: rt.signal }),
        onEvent: progress.onEvent,
        // Flags on the command line apply to every entry that does not say otherwise.
        ...(args.referrers && { referrers: true }),
        ...(args.semver && { semver: true }),
        ...(args.allowOverwrite && { allowOverwrite: true }),
        ...(args.requireReferrer?.length && { requireReferrers: args.requireReferrer }),
        ...(copy.platforms?.length && { platforms: copy.platforms }),
      },
      promoteOptions: { tool: `oci-promote/${version}` },
      onResult: async (r) => {
        finished++;
        const what = `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}`;
        if (r.ok) rt.logger.info({ line: r.line }, `[${finished}/${selected.length}] ok ${what}`);
        else {
          rt.logger.warn(
            { line: r.line, code: r.error.code },
            `[${finished}/${selected.length}] failed ${what}: ${r.error.message}`,
          );
        }
        await hooks.onResult?.(r);
      },
    });
    return batchOutput(outcome.results, {
      file: name,
      shard,
      total: entries.length,
      dryRun: args.dryRun,
    });
  } finally {
    progress.done();
  }
}

async function readPromotionFile(rt: Runtime, path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of rt.io.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      }
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    throw new UsageError(`cannot read the promotions file ${path}: ${why}`, { cause: e });
  }
}

/** What batchOutput needs besides the results. */
export interface BatchSummaryInfo {
  /** The file's name as given (for the failure line). */
  file: string;
  shard: Shard | null;
  /** Entries in the whole file (before sharding). */
  total: number;
  dryRun: boolean;
}

/** batchOutput renders a batch outcome: one line per entry, then the counts. */
export function batchOutput(
  results: readonly BatchResult[],
  info: BatchSummaryInfo,
): CommandOutput {
  const failed = results.filter((r) => !r.ok);
  const succeeded = results.length - failed.length;
  const text = results.map((r) => {
    const what = `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}`;
    return r.ok
      ? `ok   ${what} ${r.result.digest} ${tagsHere(r.result)}`.trimEnd()
      : `FAIL ${what}: ${r.error.message}`;
  });
  const counts = `${succeeded} ${info.dryRun ? 'would be promoted (dry run)' : 'promoted'}, ${failed.length} failed`;
  text.push(
    info.shard
      ? `${counts} (shard ${info.shard.index}/${info.shard.count}: ${results.length} of ${info.total} entries)`
      : counts,
  );
  const json = {
    results: results.map((r) => ({
      line: r.line,
      entry: formatPromotionEntry(r.entry),
      ok: r.ok,
      ...(r.ok ? { result: r.result } : { error: r.error, ...(r.result && { result: r.result }) }),
    })),
    succeeded,
    failed: failed.length,
    shard: info.shard ? { index: info.shard.index, count: info.shard.count } : null,
    dryRun: info.dryRun,
  };
  if (failed.length === 0) return { json, text };
  const listed = failed.slice(0, 10).map((r) => `${info.file}:${r.line}`);
  if (failed.length > 10) listed.push(`and ${failed.length - 10} more`);
  return {
    json,
    text,
    exitCode: EXIT.failure,
    failure: `error: ${failed.length} of ${results.length} promotions failed (${listed.join(', ')}); ${succeeded} ${info.dryRun ? 'planned' : 'promoted'}`,
  };
}

/** tagsHere lists the tags that point to the promoted digest (not those left elsewhere). */
function tagsHere(r: PromotionResult): string {
  return r.tags
    .filter((t) => t.action !== 'unchanged' || t.previousDigest === r.digest)
    .map((t) => t.tag)
    .join(' ');
}
