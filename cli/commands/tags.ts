/**
 * `tags <repo>`: list the tags people wrote, following pagination. The tool's own tags (the
 * history ledger and its journal) and referrer bookkeeping tags (`sha256-<hex>` fallback
 * indexes, cosign `.sig`/`.att`/`.sbom`) are hidden unless `--all`; the predicate is the
 * library's (isReleaseTag), the one `status` uses. Text output streams: each page's tags
 * are printed as they arrive, so a long listing never sits in memory whole.
 */
import type { Argv } from 'yargs';
import { formatReference, isReleaseTag, parseRepository } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { escapeText } from '../format.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { repo: string; all: boolean };

/** tagsCommand defines `tags`. */
export function tagsCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y
        .positional('repo', {
          type: 'string',
          demandOption: true,
          describe: 'host/path',
        })
        .option('all', {
          type: 'boolean',
          default: false,
          describe:
            "also list oci-promote's own history tags and sha256-* referrer and signature tags",
        }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const ref = parseRepository(args.repo);
        const repo = rt.client().repository(ref);
        const shown = (tag: string) => args.all || isReleaseTag(tag);
        if (args.json) {
          // One document, or on failure only the error: collected (the listing is capped).
          const tags: string[] = [];
          for await (const tag of repo.tags(rt.signal)) if (shown(tag)) tags.push(tag);
          return { json: { repository: formatReference(ref), tags }, text: [] };
        }
        // One write per page, as it arrives. Tags come from the registry: each is escaped.
        for await (const page of repo.tagPages(rt.signal)) {
          const tags = page.filter(shown);
          if (tags.length > 0) rt.io.stdout.write(`${tags.map(escapeText).join('\n')}\n`);
        }
        return { json: null, text: [] };
      }),
  };
}
