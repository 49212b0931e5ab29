import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  copyOptions,
  withCopyFlags
} from "./chunk-EEHJJKQS.mjs";
import {
  progressFor
} from "./chunk-VL2SC2SY.mjs";
import {
  done,
  formatBytes
} from "./chunk-CTFZVZXF.mjs";
import {
  copyStores,
  openLayout,
  parseLocation
} from "./chunk-LJTWE54T.mjs";
import "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/location.ts
function parseLocations(...inputs) {
  return inputs.map(parseLocation);
}
async function openLocation(loc, role, rt) {
  if (loc.kind === "registry") {
    const { reference } = loc;
    return {
      store: rt.client().repository(reference),
      ...reference.tag !== void 0 && { tag: reference.tag },
      ...reference.digest !== void 0 && { digest: reference.digest }
    };
  }
  return {
    store: await openLayout(loc.path, { create: role === "destination" }),
    ...loc.tag !== void 0 && { tag: loc.tag },
    ...loc.digest !== void 0 && { digest: loc.digest }
  };
}

// cli/commands/copy.ts
function copyCommand(run) {
  return {
    builder: (y) => withCopyFlags(
      y.positional("src", {
        type: "string",
        demandOption: true,
        describe: "source: host/path:tag, host/path@digest, or oci-layout:PATH[:tag|@digest]"
      }).positional("dst", {
        type: "string",
        demandOption: true,
        describe: "destination: host/path (by digest only), host/path:tag, or oci-layout:PATH[:tag]"
      })
    ),
    handler: (args) => run(args, async (rt) => {
      const [srcLoc, dstLoc] = parseLocations(args.src, args.dst);
      const progress = progressFor(rt, args.dryRun);
      try {
        const options = copyOptions(args, rt, progress.onEvent);
        const source = await openLocation(srcLoc, "source", rt);
        const destination = await openLocation(dstLoc, "destination", rt);
        const result = await copyStores(source, destination, options);
        return { json: result, text: copySummary(result) };
      } finally {
        progress.done();
      }
    })
  };
}
function copySummary(r) {
  const wrote = r.manifests.copied + r.blobs.copied + r.blobs.mounted > 0 || r.tag && r.tag.action !== "unchanged";
  const verb = r.dryRun ? "Would copy" : wrote ? "Copied" : "Already up to date:";
  const dry = r.dryRun;
  const lines = [
    `${verb} ${r.source}`,
    `  to        ${r.destination}`,
    `  digest    ${r.digest}${r.filteredFrom ? ` (platform-filtered from ${r.filteredFrom})` : ""}`,
    `  manifests ${r.manifests.copied} ${done("copied", dry)}, ${r.manifests.skipped} already present`,
    `  blobs     ${r.blobs.copied} ${done("copied", dry)} (${formatBytes(r.bytesCopied)}), ${r.blobs.mounted} ${done("mounted", dry)}, ${r.blobs.skipped} already present`
  ];
  if (r.referrers.length > 0) {
    const copied = r.referrers.filter((x) => x.action === "copied").length;
    lines.push(
      `  referrers ${copied} ${done("copied", dry)}, ${r.referrers.length - copied} already present`
    );
  }
  if (r.tag) {
    lines.push(
      `  tag       ${r.tag.tag} ${done(r.tag.action, dry)}${r.tag.previousDigest && r.tag.action === "moved" ? ` (was ${r.tag.previousDigest})` : ""}`
    );
  }
  return lines;
}
export {
  copyCommand,
  copySummary
};
