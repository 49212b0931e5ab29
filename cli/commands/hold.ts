/**
 * `hold <repo@digest> --reason TEXT` and `release <repo@digest> --reason TEXT`: a held
 * digest cannot be promoted into the repository (exit 3) until it is released.
 */
import type { Argv } from 'yargs';
import {
  formatReference,
  hold,
  parseReference,
  parseText,
  provenanceFromEnv,
  release,
  repositoryOf,
  UsageError,
} from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { type EvidenceFlags, withEvidenceFlags } from '../evidence-flags.js';
import { evidenceOutput, reportedEvidence } from '../evidence-report.js';
import { version } from '../version.js';

type Args = EvidenceFlags & { target: string; reason?: string };

const ACTIONS = { hold, release };

/** holdCommand defines `hold` or `release`. */
export function holdCommand(run: RunCommand, action: 'hold' | 'release'): CommandParts<Args> {
  return {
    builder: (y) =>
      withEvidenceFlags(
        y
          .positional('target', {
            type: 'string',
            demandOption: true,
            describe: 'host/path@sha256:<digest> (a digest, not a tag)',
          })
          .option('reason', {
            type: 'string',
            demandOption: true,
            describe: `why (required; kept in the ${action} record)`,
          }),
        action,
      ) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const target = parseReference(args.target);
        if (target.digest === undefined || target.tag !== undefined) {
          throw new UsageError(
            `${action} takes host/path@sha256:<digest> (a digest, not a tag), got ${args.target}: find the digest with \`oci-promote digest\``,
          );
        }
        const reason = parseText(args.reason, '--reason');
        const provenance = provenanceFromEnv(rt.io.env);
        const r = await reportedEvidence(
          rt,
          args,
          {
            action,
            repository: formatReference(repositoryOf(target)),
            digest: target.digest,
            dryRun: args.dryRun,
          },
          provenance,
          () =>
            ACTIONS[action](
              rt.client(),
              {
                target,
                reason,
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
