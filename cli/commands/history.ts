/**
 * `history <repo>[:<tag>]`: the promotions and rollbacks recorded in the registry,
 * newest first.
 */
import type { Argv, CommandModule } from 'yargs';
import { history, parseReference, UsageError } from '../../lib/index.js';
import type { RunCommand } from '../command.js';
import { shortDigest } from '../format.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { target: string };

/** historyCommand defines `history`. */
export function historyCommand(run: RunCommand): CommandModule<object, Args> {
  return {
    command: 'history <target>',
    describe: 'List recorded promotions and rollbacks, newest first',
    builder: (y) =>
      y.positional('target', {
        type: 'string',
        demandOption: true,
        describe: 'host/path, or host/path:tag for one tag',
      }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const target = parseReference(args.target);
        if (target.digest)
          throw new UsageError('history takes host/path or host/path:tag, not a digest');
        const result = await history(rt.client(), target, rt.signal);
        const rows = result.entries.map((e) =>
          [
            e.time,
            e.action.padEnd(8),
            e.tag.padEnd(12),
            shortDigest(e.digest),
            e.previousDigest ? `was ${shortDigest(e.previousDigest)}` : 'new'.padEnd(23),
            e.actor ?? '-',
            e.source ?? '',
          ].join('  '),
        );
        return {
          json: result,
          text: rows.length > 0 ? rows : [`no recorded history for ${args.target}`],
        };
      }),
  };
}
