/**
 * `tags <repo>`: list every tag, following pagination.
 */
import type { Argv, CommandModule } from 'yargs';
import { formatReference, parseRepository } from '../../lib/index.js';
import type { RunCommand } from '../command.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { repo: string };

/** tagsCommand defines `tags`. */
export function tagsCommand(run: RunCommand): CommandModule<object, Args> {
  return {
    command: 'tags <repo>',
    describe: 'List the tags of a repository',
    builder: (y) =>
      y.positional('repo', {
        type: 'string',
        demandOption: true,
        describe: 'host/path',
      }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const ref = parseRepository(args.repo);
        const tags: string[] = [];
        for await (const tag of rt.client().repository(ref).tags(rt.signal)) tags.push(tag);
        return { json: { repository: formatReference(ref), tags }, text: tags };
      }),
  };
}
