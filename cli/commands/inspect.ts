/**
 * `inspect <ref>`: digest, media type, size, platforms and referrers; `--raw` prints the
 * manifest bytes exactly as stored.
 */
import type { Argv } from 'yargs';
import { inspect, parseReference, UsageError } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { escapeText, formatBytes } from '../format.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { ref: string; raw: boolean };

/** inspectCommand defines `inspect`. */
export function inspectCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y
        .positional('ref', {
          type: 'string',
          demandOption: true,
          describe: 'host/path:tag or host/path@digest',
        })
        .option('raw', {
          type: 'boolean',
          default: false,
          describe: 'print the manifest bytes exactly as stored',
        }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        if (args.raw && args.json) throw new UsageError('--raw and --json cannot be used together');
        const ref = parseReference(args.ref);
        const { raw, ...result } = await inspect(rt.client().repository(ref), ref, rt.signal);
        if (args.raw) return { json: result, text: [], raw };
        const lines = [
          `reference  ${result.reference}`,
          `digest     ${result.digest}`,
          `mediaType  ${result.mediaType}`,
          `size       ${formatBytes(result.size)}`,
        ];
        if (result.artifactType) lines.push(`artifact   ${result.artifactType}`);
        lines.push(`platforms  ${result.platforms.join(', ') || '-'}`);
        lines.push(`referrers  ${result.referrers.length === 0 ? '-' : ''}`);
        for (const r of result.referrers) {
          lines.push(
            `  ${r.digest} ${r.artifactType ?? r.mediaType}${r.tag ? ` (tag ${r.tag})` : ''}`,
          );
        }
        // Types, platforms and tags are what the registry says: printed escaped.
        return { json: result, text: lines.map(escapeText) };
      }),
  };
}
