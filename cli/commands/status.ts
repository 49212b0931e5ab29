/**
 * `status <repo>[:<tag>] | <repo>@<digest>`: one view of the facts the registry holds —
 * tags and their digests, the freeze, the holds, recent history, and for a digest its
 * verification records per stage — as text, `--json` (the library's StatusResult) or
 * `--format markdown` for a GitHub step summary (status-format.ts).
 */
import type { Argv } from 'yargs';
import { parseReference, parseRepository, status, UsageError } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import type { GlobalArgs } from '../runtime.js';
import {
  STATUS_FORMATS,
  type StatusFormat,
  statusLines,
  statusMarkdown,
} from '../status-format.js';

type Args = GlobalArgs & {
  target: string;
  evidenceRepo?: string;
  format: StatusFormat;
  history: number;
};

/** statusCommand defines `status`. */
export function statusCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y
        .positional('target', {
          type: 'string',
          demandOption: true,
          describe: 'host/path, host/path:tag or host/path@digest',
        })
        .option('evidence-repo', {
          type: 'string',
          describe: 'read verification records from this repository (default: the target)',
        })
        .option('format', {
          choices: STATUS_FORMATS,
          default: 'text' as const,
          describe: 'text, or markdown for a GitHub step summary (with a mermaid diagram)',
        })
        .option('history', {
          type: 'number',
          default: 10,
          describe: 'recent history entries shown (1 to 100)',
        }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        if (args.json && args.format !== 'text') {
          throw new UsageError('--json and --format markdown cannot be combined: choose one');
        }
        if (!Number.isInteger(args.history) || args.history < 1 || args.history > 100) {
          throw new UsageError(`--history is a whole number from 1 to 100, got ${args.history}`);
        }
        const target = parseReference(args.target);
        const evidenceRepository =
          args.evidenceRepo === undefined ? undefined : parseRepository(args.evidenceRepo);
        const result = await status(rt.client(), {
          target,
          ...(evidenceRepository && { evidenceRepository }),
          historyLimit: args.history,
          ...(rt.signal && { signal: rt.signal }),
        });
        const text =
          args.format === 'markdown'
            ? statusMarkdown(result).replace(/\n$/, '').split('\n')
            : statusLines(result);
        return { json: result, text };
      }),
  };
}
