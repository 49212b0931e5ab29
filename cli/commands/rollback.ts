/**
 * `rollback <repo>:<tag>`: move the tag back to the digest it held before (or `--steps`
 * further back, or `--to-digest` a digest from its history), after checking that image is whole;
 * the digest it moves away from is held (`--no-hold` to skip), so re-running the pipeline
 * that promoted it cannot undo the rollback.
 */
import type { Argv } from 'yargs';
import {
  auditEventFromRollback,
  type Logger,
  parseDigest,
  parseReference,
  parseText,
  provenanceFromEnv,
  type RollbackResult,
  rollback,
  UsageError,
} from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { failureLine } from '../exit-codes.js';
import { reported } from '../report.js';
import type { CommandOutput, GlobalArgs } from '../runtime.js';
import { version } from '../version.js';

/** RollbackArgs are the flags of `rollback`. */
export type RollbackArgs = GlobalArgs & {
  target: string;
  steps?: number;
  toDigest?: string;
  /** Deprecated name of --to-digest. */
  to?: string;
  allowOverwrite: boolean;
  hold: boolean;
  reason?: string;
  dryRun: boolean;
  auditLog?: string;
  notifyUrl?: string;
};

/** rollbackCommand defines `rollback`. */
export function rollbackCommand(run: RunCommand): CommandParts<RollbackArgs> {
  return {
    builder: (y) =>
      y
        .positional('target', { type: 'string', demandOption: true, describe: 'host/path:tag' })
        .option('steps', { type: 'number', describe: 'how many promotions back (default 1)' })
        .option('to-digest', {
          type: 'string',
          describe: 'roll back to this digest (must be in the tag history)',
        })
        // The old name: `promote --to` names a repository, so `rollback --to` read wrong.
        .option('to', { type: 'string', hidden: true })
        .option('hold', {
          type: 'boolean',
          default: true,
          describe:
            'hold the digest the tag moves away from, so no promotion brings it back until released (--no-hold to skip)',
        })
        .option('reason', {
          type: 'string',
          describe: 'why: kept in the rollback record and in the hold',
        })
        .option('allow-overwrite', {
          type: 'boolean',
          default: false,
          describe: 'allow moving an immutable version tag',
        })
        .option('dry-run', {
          type: 'boolean',
          default: false,
          describe: 'check and plan only, write nothing',
        })
        .option('audit-log', {
          type: 'string',
          describe: 'append one JSON line per rollback to this file',
        })
        .option('notify-url', {
          type: 'string',
          describe: 'POST a JSON message (Slack-compatible "text") on success and failure',
        }) as unknown as Argv<RollbackArgs>,
    handler: (args) =>
      run(args, async (rt) => {
        const reason = args.reason === undefined ? undefined : parseText(args.reason, '--reason');
        const to = toDigestOf(args, rt.logger);
        const provenance = provenanceFromEnv(rt.io.env);
        const failure = {
          action: 'rollback' as const,
          repository: args.target,
          dryRun: args.dryRun,
        };
        const result = await reported(
          rt,
          args,
          failure,
          provenance,
          () =>
            rollback(
              rt.client(),
              {
                target: parseReference(args.target),
                ...(args.steps !== undefined && { steps: args.steps }),
                ...(to !== undefined && { to: parseDigest(to) }),
                allowOverwrite: args.allowOverwrite,
                hold: args.hold,
                ...(reason !== undefined && { reason }),
                dryRun: args.dryRun,
                provenance,
                ...(rt.signal && { signal: rt.signal }),
                logger: rt.logger,
              },
              { tool: `oci-promote/${version}` },
            ),
          (r) => auditEventFromRollback(r, provenance),
        );
        return rollbackOutput(result, args.hold);
      }),
  };
}

/** toDigestOf reads --to-digest, or the deprecated --to with a notice. */
function toDigestOf(args: RollbackArgs, logger: Logger): string | undefined {
  if (args.to === undefined) return args.toDigest;
  if (args.toDigest !== undefined && args.toDigest !== args.to) {
    throw new UsageError('give the digest once: --to-digest (--to is its deprecated name)');
  }
  logger.warn(
    {},
    'rollback --to is deprecated: write --to-digest (promote --to names a repository)',
  );
  return args.to;
}

/**
 * rollbackOutput renders a rollback result; a tag moved by someone else is a failure. A dry
 * run says where the tag would go and, when `hold` is asked for, what would be held.
 */
export function rollbackOutput(r: RollbackResult, hold = false): CommandOutput {
  const same = r.digest === r.previousDigest;
  const text = same
    ? [`Already at ${r.repository}:${r.tag}`, `  now       ${r.digest}`]
    : r.dryRun
      ? [
          `Would roll back ${r.repository}:${r.tag}`,
          `  to        ${r.digest}`,
          `  from      ${r.previousDigest}`,
          ...(hold ? [`  hold      ${r.previousDigest} would be held`] : []),
        ]
      : [
          `Rolled back ${r.repository}:${r.tag}`,
          `  now       ${r.digest}`,
          `  was       ${r.previousDigest}`,
          ...(r.record ? [`  record    ${r.record}`] : []),
          ...(r.hold ? [`  held      ${r.previousDigest} (hold record ${r.hold})`] : []),
        ];
  if (r.conflicts.length === 0) return { json: r, text };
  return {
    json: r,
    text,
    exitCode: 1,
    failure: failureLine(
      'ERR_TAG_CONFLICT',
      `another writer moved ${r.tag} to ${r.conflicts[0]?.found ?? 'nothing'} right after the rollback`,
    ),
  };
}
