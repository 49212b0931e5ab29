/**
 * `verify <ref>`: the reference must exist, match `--digest` when given, and with
 * `--deep` have every child manifest and blob present and intact. Exit 4 otherwise.
 */
import type { Argv } from 'yargs';
import { parseDigest, parseReference, verify } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { EXIT, failureLine } from '../exit-codes.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { ref: string; digest?: string; deep: boolean; jobs: number };

/** verifyCommand defines `verify`. */
export function verifyCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y
        .positional('ref', {
          type: 'string',
          demandOption: true,
          describe: 'host/path:tag or host/path@digest',
        })
        .option('digest', { type: 'string', describe: 'the digest the reference must resolve to' })
        .option('deep', {
          type: 'boolean',
          default: false,
          describe: 'check every child manifest (hashed) and blob (present, right size)',
        })
        .option('jobs', {
          type: 'number',
          default: 4,
          describe: 'checks at once',
        }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const ref = parseReference(args.ref);
        const digest = args.digest === undefined ? undefined : parseDigest(args.digest);
        const result = await verify(rt.client().repository(ref), ref, {
          deep: args.deep,
          jobs: args.jobs,
          ...(digest && { digest }),
          ...(rt.signal && { signal: rt.signal }),
        });
        const { reason, ...json } = result;
        if (result.ok) {
          return { json, text: [`OK ${result.reference}${args.deep ? ' (deep)' : ''}`] };
        }
        return {
          json: { ...json, error: { code: 'ERR_VERIFY_FAILED', message: reason } },
          text: result.missing.map((m) => `missing or damaged: ${m}`),
          exitCode: EXIT.integrity,
          failure: failureLine('ERR_VERIFY_FAILED', `verify failed: ${reason}`),
        };
      }),
  };
}
