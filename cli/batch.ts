/**
 * `promote --from-file FILE [--shard I/N] [--parallel N]`: promote every entry of a
 * promotions file (JSON or the YAML subset of docs/cli.md), or one shard of it. The file
 * is read and validated as a whole first — any problem exits 2 and promotes nothing.
 * Then every entry runs, a failure never stopping the others, and the summary lists
 * each one; exit 1 if any failed.
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
  appendAuditLog,
  auditEventFromFailure,
  auditEventFromPromotion,
  type BatchResult,
  checkAuditLog,
  DEFAULT_PARALLEL,
  formatPromotionEntry,
  formatReference,
  notify,
  notifyUrlOrigin,
  PromotionFileError,
  type PromotionResult,
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
import { EXIT, hintFor } from './exit-codes.js';
import { appendGitHubFile, mdText, workflowCommand } from './github-actions.js';
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
  // Checks the copy flags, the notify URL and the audit log before anything is sent.
  const copy = copyOptions(args, rt, undefined);
  if (args.notifyUrl) {
    notifyUrlOrigin(args.notifyUrl);
    rt.secrets.addUrl(args.notifyUrl); // a webhook URL is a secret (secrets.ts)
  }

  const name = args.fromFile === '-' ? '<stdin>' : args.fromFile;
  const entries = parsePromotionFile(await readPromotionFile(rt, args.fromFile, name), name);
  const selected = shard ? selectShard(entries, shard.index, shard.count) : entries;
  if (args.auditLog) await checkAuditLog(args.auditLog);

  const provenance = provenanceFromEnv(rt.io.env);
  const warnings: string[] = [];
  const progress = rt.progress();
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
        await reportEntry(rt, args, r, provenance, warnings);
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

/**
 * reportEntry writes an entry's audit line and notification. An audit log that cannot
 * be written fails a promoted entry (thrown: the batch records it); after a failed one it
 * is logged, never hiding the failure. An undelivered notification is a warning.
 */
async function reportEntry(
  rt: Runtime,
  args: BatchArgs,
  r: BatchResult,
  provenance: Provenance,
  warnings: string[],
): Promise<void> {
  if (!args.auditLog && !args.notifyUrl) return;
  const event = rt.secrets.redactValue(auditEventOf(r, provenance, args.dryRun));
  if (args.auditLog) {
    try {
      await appendAuditLog(args.auditLog, event);
    } catch (e) {
      if (r.ok) throw e;
      rt.logger.error({ line: r.line }, (e as Error).message);
    }
  }
  if (args.notifyUrl) {
    const n = await notify(args.notifyUrl, event, {
      ...(rt.signal && { signal: rt.signal }),
      userAgent: `oci-promote/${version}`,
    });
    if (!n.ok && n.error) {
      rt.logger.warn({ line: r.line }, n.error);
      warnings.push(n.error);
    }
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

// ---------------------------------------------------------------------------------------------
// GitHub Actions

/** code renders a reference, digest or tag as a code span (they hold no ` or |). */
const code = (s: string) => `\`${s.replace(/[`|]/g, '')}\``;

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
    `### ${icon} oci-promote promote --from-file ${code(info.file)}: ${counts}${shard}`,
    '',
    '| | line | source | to | digest | tags or error |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const cells = [
      r.ok ? '✅' : '❌',
      String(r.line),
      code(formatReference(r.entry.source)),
      code(formatReference(r.entry.target)),
      r.result ? code(r.result.digest) : '—',
      r.ok
        ? tagsHere(r.result).split(' ').filter(Boolean).map(code).join(' ') || '—'
        : `${mdText(r.error.message)} ${code(r.error.code)}`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** failureAnnotation is the `::error::` of a failed entry, pointing at its line of the file. */
export function failureAnnotation(r: BatchResult & { ok: false }, file: string | null): string {
  const hint = hintFor(r.error.code);
  const text = `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}: ${r.error.message}${hint ? ` — ${hint}` : ''} [${r.error.code}]`;
  const where = file ? { file, line: r.line } : {};
  return workflowCommand('error', { ...where, title: 'oci-promote promote' }, text);
}

/** reportBatchToGitHub reports the batch through what the environment provides, if anything. */
async function reportBatchToGitHub(
  rt: Runtime,
  info: BatchSummaryInfo,
  results: readonly BatchResult[],
  warnings: readonly string[],
): Promise<void> {
  const env = rt.io.env;
  const redact = (text: string) => rt.secrets.redact(text);
  if (env.GITHUB_ACTIONS === 'true') {
    const file = info.file === '<stdin>' ? null : info.file;
    for (const r of results) if (!r.ok) rt.io.stderr.write(`${failureAnnotation(r, file)}\n`);
    for (const w of warnings) {
      rt.io.stderr.write(`${workflowCommand('warning', { title: 'oci-promote promote' }, w)}\n`);
    }
  }
  if (env.GITHUB_OUTPUT) {
    const failed = results.filter((r) => !r.ok).length;
    await appendGitHubFile(
      'GITHUB_OUTPUT',
      env.GITHUB_OUTPUT,
      `succeeded=${results.length - failed}\nfailed=${failed}\n`,
      redact,
    );
  }
  if (env.GITHUB_STEP_SUMMARY) {
    let md = batchSummaryMarkdown(results, info);
    if (warnings.length > 0) md += `\n${warnings.map((w) => `> ⚠️ ${mdText(w)}`).join('\n')}\n`;
    await appendGitHubFile('GITHUB_STEP_SUMMARY', env.GITHUB_STEP_SUMMARY, `${md}\n`, redact);
  }
}
