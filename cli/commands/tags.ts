/**
 * `tags <repo>`: list every tag, following pagination. Text output streams: each page's
 * tags are printed as they arrive, so a long listing never sits in memory whole.
 */
import type { Argv } from 'yargs';
import { formatReference, parseRepository } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { escapeText } from '../format.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { repo: string };

/** tagsCommand defines `tags`. */
export function tagsCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y.positional('repo', {
        type: 'string',
        demandOption: true,
        describe: 'host/path',
      }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const ref = parseRepository(args.repo);
        const repo = rt.client().repository(ref);
        if (args.json) {
          // One document, or on failure only the error: collected (the listing is capped).
          const tags: string[] = [];
          for await (const tag of repo.tags(rt.signal)) tags.push(tag);
          return { json: { repository: formatReference(ref), tags }, text: [] };
        }
        // One write per page, as it arrives. Tags come from the registry: each is escaped.
        for await (const page of repo.tagPages(rt.signal)) {
          rt.io.stdout.write(`${page.map(escapeText).join('\n')}\n`);
        }
        return { json: null, text: [] };
      }),
  };
}
