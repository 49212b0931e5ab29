/**
 * `digest <ref>`: print the digest a reference resolves to.
 */
import type { Argv } from 'yargs';
import { formatReference, manifestReference, parseReference } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { ref: string };

/** digestCommand defines `digest`. */
export function digestCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y.positional('ref', {
        type: 'string',
        demandOption: true,
        describe: 'host/path:tag or host/path@digest',
      }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const ref = parseReference(args.ref);
        // GET, not HEAD: the digest printed is the hash of the bytes, never a header's word.
        const { descriptor: desc } = await rt
          .client()
          .repository(ref)
          .manifests.get(manifestReference(ref), rt.signal);
        return {
          json: {
            reference: formatReference(ref),
            digest: desc.digest,
            mediaType: desc.mediaType,
            size: desc.size,
          },
          text: [desc.digest],
        };
      }),
  };
}
