/**
 * `promote --from-file FILE [--shard I/N] [--parallel N]`: promote every entry of a
 * promotions file (YAML or JSON, docs/cli.md "Batch promotion"), or one shard of it. The file
 * is read and validated as a whole first — any problem exits 2 and promotes nothing.
 * Then every entry runs, a failure never stopping the others, and the summary lists
 * each one; exit 1 if any failed.
 *
 * The promote flags apply to every entry as defaults (lib/promote/batch.ts BatchDefaults),
 * the stage-evidence gates included: `--require-verified` adds stages to each entry's own.
 *
 * Reports: `--audit-log` gets one line and `--notify-url` one message per entry, as each
 * finishes; in GitHub Actions each failed entry is an `::error::` annotation pointing at
 * its line of the file, the step summary gets one table for the batch, and the step
 * outputs are `succeeded` and `failed`.
 */
import { createReadStream } from 'node:fs';
import type { Argv } from 'yargs';
import {
  type AuditEvent,
  auditEventFromFailure,
  auditEventFromPromotion,
  type BatchResult,
  DEFAULT_PARALLEL,
  formatPromotionEntry,
  formatReference,
  PromotionFileError,
  type Provenance,
  parsePromotionFile,
  parseShard,
  promoteBatch,
  provenanceFromEnv,
  readPromotionSource,
  type Shard,
  selectShard,
  UsageError,
} from '../lib/index.js';
// A function import only, used when a batch runs: the cycle with promote.ts is harmless.
import { gateFields } from './commands/promote.js';
import { docsUrl } from './docs-url.js';
import { EXIT } from './exit-codes.js';
import {
  failureAnnotation,
  mdCode,
  mdText,
  tagsAtDigest,
  writeGitHubStep,
} from './github-actions.js';
import { batchCollector } from './memory.js';
import { type CopyArgs, copyOptions } from './options.js';
import { progressFor } from './progress.js';
import { checkReportFlags, recordEvent } from './report.js';
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
    /** Stage-evidence gates: defaults of every entry (gateFields checks them). */
    requireVerified?: string[];
    maxAge?: string;
    evidenceRepo?: string;
    allowHeld?: string;
    overrideFreeze?: string;
    /** Append one JSON line per entry. */
    auditLog?: string;
    /** POST one message per entry. */
    notifyUrl?: string;
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
      nargs: 1, // so that `--from-file -` (stdin) is the value, not a positional argument
      describe: `promote every entry of this promotions file (JSON or YAML, see ${docsUrl('cli.md#batch-promotion-promote---from-file')}); "-" reads stdin`,
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
  // Checks the copy flags and the gate flags before anything is sent.
  const copy = copyOptions(args, rt, undefined);
  const gates = gateFields(args);

  const name = args.fromFile === '-' ? '<stdin>' : args.fromFile;
  const entries = await parsePromotionFile(await readPromotionFile(rt, args.fromFile, name), name);
  const selected = shard ? selectShard(entries, shard.index, shard.count) : entries;
  // --from-plain-http / --to-plain-http apply to the entries' sources and targets.
  rt.useSides({
    from: selected.map((e) => e.source.registry),
    to: selected.map((e) => e.target.registry),
  });
  // The notify URL and the audit log, once the file is known good, before anything is sent.
  await checkReportFlags(rt, args);

  const provenance = provenanceFromEnv(rt.io.env);
  const warnings: string[] = [];
  const progress = progressFor(rt, args.dryRun);
  const collect = batchCollector();
  let finished = 0;
  try {
    const outcome = await promoteBatch(rt.client(), selected, {
      parallel,
      // Flags on the command line apply to every entry that does not say otherwise.
      defaults: {
        copy: { ...copy, onEvent: progress.onEvent },
        provenance,
        ...(args.semver && { semver: true }),
        ...(args.allowOverwrite && { allowOverwrite: true }),
        ...(args.requireReferrer?.length && { requireReferrers: args.requireReferrer }),
        ...gates,
      },
      promoteOptions: { tool: `oci-promote/${version}` },
      onResult: async (r) => {
        finished++;
        collect();
        const what = `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}`;
        if (r.ok) {
          const ok = args.dryRun ? 'would promote' : 'ok';
          rt.logger.info({ line: r.line }, `[${finished}/${selected.length}] ${ok} ${what}`);
        } else {
          rt.logger.warn(
            { line: r.line, code: r.error.code },
            `[${finished}/${selected.length}] failed ${what}: ${r.error.message}`,
          );
        }
        // An audit log that cannot be written fails a promoted entry (the batch records it).
        const event = auditEventOf(r, provenance, args.dryRun);
        const warning = await recordEvent(rt, args, event, { line: r.line });
        if (warning) warnings.push(warning);
        await hooks.onResult?.(r);
      },
    });
    const info = { file: name, shard, total: entries.length, dryRun: args.dryRun };
    await reportBatchToGitHub(rt, info, outcome.results, warnings);
    return batchOutput(outcome.results, info);
  } finally {
    progress.done();
  }
}

/** auditEventOf is an entry's audit event: the promotion, or what failed and why. */
export function auditEventOf(r: BatchResult, provenance: Provenance, dryRun: boolean): AuditEvent {
  if (r.ok) return auditEventFromPromotion(r.result, provenance);
  const base = r.result
    ? auditEventFromPromotion(r.result, provenance)
    : auditEventFromFailure(
        {
          action: 'promote',
          repository: formatReference(r.entry.target),
          source: formatReference(r.entry.source),
          dryRun,
        },
        undefined,
        provenance,
      );
  return { ...base, ok: false, error: { ...r.error } };
}

/** readPromotionFile reads the file (or stdin), never more than the size limit. */
async function readPromotionFile(rt: Runtime, path: string, name: string): Promise<string> {
  try {
    const source = path === '-' ? rt.io.stdin : createReadStream(path);
    return await readPromotionSource(source as AsyncIterable<Buffer | string>, name);
  } catch (e) {
    if (e instanceof PromotionFileError) throw e;
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
    if (r.ok && info.dryRun) {
      return `would promote ${what} ${r.result.digest} ${tagsAtDigest(r.result).join(' ')}`.trimEnd();
    }
    return r.ok
      ? `ok   ${what} ${r.result.digest} ${tagsAtDigest(r.result).join(' ')}`.trimEnd()
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

// ---------------------------------------------------------------------------------------------
// GitHub Actions

/** batchSummaryMarkdown renders the batch as a step summary section: one row per entry. */
export function batchSummaryMarkdown(
  results: readonly BatchResult[],
  info: BatchSummaryInfo,
): string {
  const failed = results.filter((r) => !r.ok).length;
  const succeeded = results.length - failed;
  const icon = failed > 0 ? '❌' : info.dryRun ? '🧪' : '✅';
  const counts = `${succeeded} ${info.dryRun ? 'planned (dry run, nothing written)' : 'promoted'}, ${failed} failed`;
  const shard = info.shard
    ? ` (shard ${info.shard.index}/${info.shard.count}: ${results.length} of ${info.total} entries)`
    : '';
  const lines = [
    `### ${icon} oci-promote promote --from-file ${mdCode(info.file)}: ${counts}${shard}`,
    '',
    '| | line | source | to | digest | tags or error |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const cells = [
      r.ok ? '✅' : '❌',
      String(r.line),
      mdCode(formatReference(r.entry.source)),
      mdCode(formatReference(r.entry.target)),
      r.result ? mdCode(r.result.digest) : '—',
      r.ok
        ? tagsAtDigest(r.result).map(mdCode).join(' ') || '—'
        : `${mdText(r.error.message)} ${mdCode(r.error.code)}`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** reportBatchToGitHub reports the batch through what the environment provides, if anything. */
async function reportBatchToGitHub(
  rt: Runtime,
  info: BatchSummaryInfo,
  results: readonly BatchResult[],
  warnings: readonly string[],
): Promise<void> {
  const failed = results.filter((r) => !r.ok);
  const file = info.file === '<stdin>' ? null : info.file;
  await writeGitHubStep(
    { env: rt.io.env, stderr: rt.io.stderr, redact: (text) => rt.secrets.redact(text) },
    {
      command: 'promote',
      // Each failed entry points at its line of the file.
      errors: () =>
        failed.map((r) =>
          failureAnnotation('promote', r.error, {
            ...(file && { place: { file, line: r.line } }),
            prefix: `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}: `,
          }),
        ),
      warnings,
      outputs: { succeeded: String(results.length - failed.length), failed: String(failed.length) },
      summary: batchSummaryMarkdown(results, info),
    },
  );
}
