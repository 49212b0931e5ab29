/**
 * `prune <repo> --keep N`: keep N history entries per tag; delete images nothing live
 * refers to any more, where the registry allows deletion.
 */
import type { Argv } from 'yargs';
import { parseRepository, prune } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { repo: string; keep: number; dryRun: boolean };

/** pruneCommand defines `prune`. */
export function pruneCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y
        .positional('repo', { type: 'string', demandOption: true, describe: 'host/path' })
        .option('keep', {
          type: 'number',
          demandOption: true,
          describe: 'history entries to keep per tag (at least 1)',
        })
        .option('dry-run', {
          type: 'boolean',
          default: false,
          describe: 'list what would go, change nothing',
        }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const result = await prune(rt.client(), {
          target: parseRepository(args.repo),
          keep: args.keep,
          dryRun: args.dryRun,
          ...(rt.signal && { signal: rt.signal }),
          logger: rt.logger,
        });
        // Counts are what the registry confirmed deleting (or, dry, what would go).
        const verb = result.dryRun ? 'would be' : 'were';
        const text = [
          `${result.removedRecords.length} history record(s) ${verb} dropped from ${result.repository} (keeping ${result.keep} per tag)`,
          `${result.deleted.length} image manifest(s) ${verb} deleted`,
          ...result.deleted.map((d) => `  ${d}`),
          `${result.deletedRecords.length} history record artifact(s) ${verb} deleted`,
          ...result.deletedRecords.map((d) => `  ${d}`),
        ];
        if (result.ignoredRecords.length > 0) {
          text.push(
            `${result.ignoredRecords.length} ledger entr(ies) ignored: not records oci-promote wrote (nothing they name was deleted)`,
            ...result.ignoredRecords.map((d) => `  ${d}`),
          );
        }
        if (result.deletionSkipped) text.push(`deletion skipped: ${result.deletionSkipped}`);
        return { json: result, text };
      }),
  };
}
