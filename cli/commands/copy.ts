/**
 * `copy <src> <dst>`: copy an image, index or artifact. Without a destination tag the
 * copy is by digest only; with one, the tag is written last. Either side may be a
 * registry reference or an OCI image layout directory (`oci-layout:PATH[:tag]`).
 */
import type { Argv } from 'yargs';
import { type CopyResult, copyStores } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { done, formatBytes } from '../format.js';
import { openLocation, parseLocations } from '../location.js';
import { type CopyArgs, copyOptions, withCopyFlags } from '../options.js';
import { progressFor } from '../progress.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & CopyArgs & { src: string; dst: string };

/** copyCommand defines `copy`. */
export function copyCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      withCopyFlags(
        y
          .positional('src', {
            type: 'string',
            demandOption: true,
            describe: 'source: host/path:tag, host/path@digest, or oci-layout:PATH[:tag|@digest]',
          })
          .positional('dst', {
            type: 'string',
            demandOption: true,
            describe:
              'destination: host/path (by digest only), host/path:tag, or oci-layout:PATH[:tag]',
          }),
      ) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const [srcLoc, dstLoc] = parseLocations(args.src, args.dst);
        const progress = progressFor(rt, args.dryRun);
        try {
          const options = copyOptions(args, rt, progress.onEvent);
          const source = await openLocation(srcLoc!, 'source', rt);
          const destination = await openLocation(dstLoc!, 'destination', rt);
          const result = await copyStores(source, destination, options);
          return { json: result, text: copySummary(result) };
        } finally {
          progress.done();
        }
      }),
  };
}

/** copySummary renders a copy result for people. */
export function copySummary(r: CopyResult): string[] {
  const wrote =
    r.manifests.copied + r.blobs.copied + r.blobs.mounted > 0 ||
    (r.tag && r.tag.action !== 'unchanged');
  const verb = r.dryRun ? 'Would copy' : wrote ? 'Copied' : 'Already up to date:';
  const dry = r.dryRun;
  const lines = [
    `${verb} ${r.source}`,
    `  to        ${r.destination}`,
    `  digest    ${r.digest}${r.filteredFrom ? ` (platform-filtered from ${r.filteredFrom})` : ''}`,
    `  manifests ${r.manifests.copied} ${done('copied', dry)}, ${r.manifests.skipped} already present`,
    `  blobs     ${r.blobs.copied} ${done('copied', dry)} (${formatBytes(r.bytesCopied)}), ${r.blobs.mounted} ${done('mounted', dry)}, ${r.blobs.skipped} already present`,
  ];
  if (r.referrers.length > 0) {
    const copied = r.referrers.filter((x) => x.action === 'copied').length;
    lines.push(
      `  referrers ${copied} ${done('copied', dry)}, ${r.referrers.length - copied} already present`,
    );
  }
  if (r.tag) {
    lines.push(
      `  tag       ${r.tag.tag} ${done(r.tag.action, dry)}${r.tag.previousDigest && r.tag.action === 'moved' ? ` (was ${r.tag.previousDigest})` : ''}`,
    );
  }
  return lines;
}
