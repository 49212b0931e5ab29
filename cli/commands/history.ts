/**
 * `history <repo>[:<tag>]`: the promotions and rollbacks recorded in the registry,
 * newest first.
 */
import type { Argv, CommandModule } from 'yargs';
import { type HistoryEntry, history, parseReference, UsageError } from '../../lib/index.js';
import type { RunCommand } from '../command.js';
import { escapeText, shortDigest } from '../format.js';
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
        return {
          json: result,
          text:
            result.entries.length > 0
              ? historyLines(result.entries)
              : [`no recorded history for ${args.target}`],
        };
      }),
  };
}

/**
 * historyLines renders one line per record (its tag changes together), newest first.
 * Every field comes from the registry, so each line is escaped (format.ts escapeText).
 */
export function historyLines(entries: readonly HistoryEntry[]): string[] {
  const lines: string[] = [];
  let last: string | undefined;
  for (const e of entries) {
    const change = `${e.tag} (${e.previousDigest ? `was ${shortDigest(e.previousDigest)}` : 'new'})`;
    if (e.record === last) {
      lines[lines.length - 1] += `, ${change}`;
      continue;
    }
    last = e.record;
    const who = [
      e.actor && `by ${e.actor}`,
      e.source && `from ${e.source.replace(/@sha(256|512):[0-9a-f]+$/, '')}`,
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(
      `${e.time}  ${e.action.padEnd(8)}  ${shortDigest(e.digest)}  ${who ? `${who}: ` : ''}${change}`,
    );
  }
  return lines.map(escapeText);
}
