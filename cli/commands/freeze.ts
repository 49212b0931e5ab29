/**
 * `freeze <repo> --reason TEXT [--until TIME]` and `unfreeze <repo> --reason TEXT`: during
 * a freeze `promote` into the repository is refused (exit 3) unless `--override-freeze`;
 * `rollback` is always allowed. A freeze with `--until` lifts by itself at that time.
 */
import type { Argv } from 'yargs';
import {
  formatReference,
  freeze,
  parseReference,
  parseText,
  parseUntil,
  provenanceFromEnv,
  UsageError,
  unfreeze,
} from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { type EvidenceFlags, withEvidenceFlags } from '../evidence-flags.js';
import { evidenceOutput, reportedEvidence } from '../evidence-report.js';
import { version } from '../version.js';

type Args = EvidenceFlags & { repo: string; reason?: string; until?: string };

const ACTIONS = { freeze, unfreeze };

/** freezeCommand defines `freeze` or `unfreeze`. */
export function freezeCommand(run: RunCommand, action: 'freeze' | 'unfreeze'): CommandParts<Args> {
  return {
    builder: (y) => {
      const base = y
        .positional('repo', {
          type: 'string',
          demandOption: true,
          describe: 'host/path (no tag, no digest)',
        })
        .option('reason', {
          type: 'string',
          demandOption: true,
          describe: `why (required; kept in the ${action} record)`,
        });
      const withUntil =
        action === 'freeze'
          ? base.option('until', {
              type: 'string',
              describe:
                'lift the freeze by itself at TIME: ISO 8601 (2026-12-24T18:00:00Z) or a duration from now (4h, 2d)',
            })
          : base;
      return withEvidenceFlags(withUntil, action) as unknown as Argv<Args>;
    },
    handler: (args) =>
      run(args, async (rt) => {
        const target = parseReference(args.repo);
        if (target.tag !== undefined || target.digest !== undefined) {
          throw new UsageError(
            `${action} takes a repository without tag or digest (host/path), got ${args.repo}`,
          );
        }
        const reason = parseText(args.reason, '--reason');
        const until = args.until === undefined ? undefined : parseUntil(args.until);
        const provenance = provenanceFromEnv(rt.io.env);
        const r = await reportedEvidence(
          rt,
          args,
          { action, repository: formatReference(target), dryRun: args.dryRun },
          provenance,
          () =>
            ACTIONS[action](
              rt.client(),
              {
                target,
                reason,
                ...(until && { until }),
                provenance,
                dryRun: args.dryRun,
                ...(rt.signal && { signal: rt.signal }),
              },
              { tool: `oci-promote/${version}` },
            ),
        );
        return evidenceOutput(r);
      }),
  };
}
