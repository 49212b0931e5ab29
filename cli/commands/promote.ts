/**
 * `promote <src> --to <repo>`: copy by digest, then write the promotion tags and record
 * the promotion in the registry.
 */
import type { Argv } from 'yargs';
import {
  auditEventFromPromotion,
  formatReference,
  InvalidReferenceError,
  type PromoteRequest,
  type PromotionResult,
  parseDuration,
  parseReference,
  parseRepository,
  parseStage,
  parseText,
  promote,
  provenanceFromEnv,
  type Reference,
  repositoryOf,
  UsageError,
} from '../../lib/index.js';
import { type BatchFlags, runBatch, withBatchFlags } from '../batch.js';
import type { CommandParts, RunCommand } from '../command.js';
import { failureLine } from '../exit-codes.js';
import { done, formatBytes, shortDigest } from '../format.js';
import { type CopyArgs, copyOptions, withCopyFlags } from '../options.js';
import { progressFor } from '../progress.js';
import { reported } from '../report.js';
import type { CommandOutput, GlobalArgs, Runtime } from '../runtime.js';
import { version } from '../version.js';

/** PromoteArgs are the flags of `promote`. */
export type PromoteArgs = GlobalArgs &
  CopyArgs &
  BatchFlags & {
    src?: string;
    to?: string;
    tag?: string[];
    semver: boolean;
    allowOverwrite: boolean;
    requireReferrer?: string[];
    requireVerified?: string[];
    maxAge?: string;
    evidenceRepo?: string;
    allowHeld?: string;
    overrideFreeze?: string;
    auditLog?: string;
    notifyUrl?: string;
  };

/** promoteCommand defines `promote`. */
export function promoteCommand(run: RunCommand): CommandParts<PromoteArgs> {
  return {
    builder: (y) =>
      withBatchFlags(
        withCopyFlags(
          y
            .usage(
              '$0 promote <src> --to <repo> [--tag T]... [options]\n$0 promote --from-file <file> [options]\n\nPromote an image: copy it by digest, then write promotion tags and record history',
            )
            .positional('src', {
              type: 'string',
              describe: 'source: host/path:tag or host/path@digest',
            })
            .option('to', {
              type: 'string',
              describe:
                'target repository: host/path, no tag (tags go in --tag); not with --from-file, whose entries name their targets',
            })
            .option('tag', {
              type: 'string',
              array: true,
              nargs: 1, // one value per flag, else the positionals after it are swallowed
              describe: 'tag to write (repeatable); default: the source tag',
            })
            .option('semver', {
              type: 'boolean',
              default: false,
              describe:
                'derive X.Y.Z, X.Y, X and latest from the version tag (floating tags only for the highest release)',
            })
            .option('allow-overwrite', {
              type: 'boolean',
              default: false,
              describe: 'let a full-version or sha-* tag move to another digest',
            })
            .option('require-referrer', {
              type: 'string',
              array: true,
              nargs: 1,
              describe:
                'refuse unless the source has a referrer of this artifact type (repeatable)',
            })
            .option('require-verified', {
              type: 'string',
              array: true,
              nargs: 1,
              describe:
                "refuse unless the source digest's latest verification for this stage passed (repeatable; see attest)",
            })
            .option('max-age', {
              type: 'string',
              describe:
                'with --require-verified: the verification must be younger than this (90s, 30m, 72h, 7d)',
            })
            .option('evidence-repo', {
              type: 'string',
              describe: 'read verifications from this repository (default: the source repository)',
            })
            .option('allow-held', {
              type: 'string',
              describe: 'promote a digest held in the target anyway; REASON is written down',
            })
            .option('override-freeze', {
              type: 'string',
              describe: 'promote into a frozen repository anyway; REASON is written down',
            })
            .option('audit-log', {
              type: 'string',
              describe: 'append one JSON line per promotion to this file',
            })
            .option('notify-url', {
              type: 'string',
              describe: 'POST a JSON message (Slack-compatible "text") on success and failure',
            }),
        ),
      ) as unknown as Argv<PromoteArgs>,
    handler: (args) =>
      run(args, (rt) => {
        if (args.fromFile === undefined) return promoteOne(rt, args);
        return runBatch(rt, { ...args, fromFile: args.fromFile });
      }),
  };
}

async function promoteOne(rt: Runtime, args: PromoteArgs): Promise<CommandOutput> {
  if (!args.src || !args.to) {
    throw new UsageError('promote needs a source and --to <repository>, or --from-file');
  }
  const gates = gateFields(args);
  const provenance = provenanceFromEnv(rt.io.env);
  const progress = progressFor(rt, args.dryRun);
  const failure = {
    action: 'promote' as const,
    repository: args.to,
    source: args.src,
    dryRun: args.dryRun,
  };
  try {
    const result = await reported(
      rt,
      args,
      failure,
      provenance,
      () =>
        promote(
          rt.client(),
          {
            source: parseReference(args.src!),
            target: parseTarget(args.to!),
            ...(args.tag?.length && { tags: args.tag }),
            semver: args.semver,
            allowOverwrite: args.allowOverwrite,
            requireReferrers: args.requireReferrer ?? [],
            ...gates,
            copy: copyOptions(args, rt, progress.onEvent),
            provenance,
          },
          { tool: `oci-promote/${version}` },
        ),
      (r) => auditEventFromPromotion(r, provenance),
    );
    return promoteOutput(result);
  } finally {
    progress.done();
  }
}

/**
 * parseTarget reads `--to`: a repository. A tag written there (`--to host/repo:1.0`) is
 * refused saying where it goes instead (`--tag 1.0`).
 */
export function parseTarget(to: string): Reference {
  const ref = parseReference(to);
  if (ref.tag === undefined && ref.digest === undefined) return ref;
  const repo = formatReference(repositoryOf(ref));
  const fix =
    ref.tag !== undefined
      ? `write --to ${repo} --tag ${ref.tag}`
      : `write --to ${repo}; the digest comes from the source`;
  throw new InvalidReferenceError(
    `invalid --to ${JSON.stringify(to)}: --to takes a repository (host/path), not a tag or digest — ${fix}`,
  );
}

/**
 * gateFields maps the stage-evidence flags to PromoteRequest fields, checked before
 * anything is sent (a bad stage, duration or reason exits 2).
 */
export function gateFields(
  args: Pick<
    PromoteArgs,
    'requireVerified' | 'maxAge' | 'evidenceRepo' | 'allowHeld' | 'overrideFreeze'
  >,
): Pick<
  PromoteRequest,
  'requireVerified' | 'maxAgeMs' | 'evidenceRepository' | 'allowHeld' | 'overrideFreeze'
> {
  const stages = (args.requireVerified ?? []).map(parseStage);
  for (const [flag, value] of [
    ['--max-age', args.maxAge],
    ['--evidence-repo', args.evidenceRepo],
  ] as const) {
    if (value !== undefined && stages.length === 0) {
      throw new UsageError(`${flag} applies to --require-verified: name a stage`);
    }
  }
  return {
    ...(stages.length > 0 && { requireVerified: stages }),
    ...(args.maxAge !== undefined && { maxAgeMs: parseDuration(args.maxAge, '--max-age') }),
    ...(args.evidenceRepo !== undefined && {
      evidenceRepository: parseRepository(args.evidenceRepo),
    }),
    ...(args.allowHeld !== undefined && { allowHeld: parseText(args.allowHeld, '--allow-held') }),
    ...(args.overrideFreeze !== undefined && {
      overrideFreeze: parseText(args.overrideFreeze, '--override-freeze'),
    }),
  };
}

/** promoteOutput renders a promotion result; tag conflicts make it a failure (exit 1). */
export function promoteOutput(r: PromotionResult): CommandOutput {
  const dry = r.dryRun;
  const lines = [
    `${r.dryRun ? 'Would promote' : r.tags.some((t) => t.action !== 'unchanged') ? 'Promoted' : 'Already promoted:'} ${r.source}`,
    `  to        ${r.repository}@${r.digest}`,
    ...r.tags.map(
      (t) =>
        `  tag       ${t.tag.padEnd(12)} ${done(t.action, dry)}${t.previousDigest && t.action !== 'unchanged' ? ` (was ${shortDigest(t.previousDigest)})` : ''}${t.reason ? ` — ${t.reason}` : ''}`,
    ),
    `  copy      ${r.copy.manifests.copied} manifest(s) and ${r.copy.blobs.copied} blob(s) ${done('copied', dry)} (${formatBytes(r.copy.bytesCopied)}), ${r.copy.blobs.mounted} ${done('mounted', dry)}, ${r.copy.manifests.skipped + r.copy.blobs.skipped} already present`,
  ];
  if (r.record) lines.push(`  record    ${r.record}`);
  if (r.conflicts.length === 0) return { json: r, text: lines };
  const moved = r.conflicts.map((c) => `${c.tag} now points to ${c.found ?? 'nothing'}`).join('; ');
  return {
    json: r,
    text: lines,
    exitCode: 1,
    failure: failureLine(
      'ERR_TAG_CONFLICT',
      `another writer moved tags right after this promotion wrote them: ${moved}`,
    ),
  };
}
