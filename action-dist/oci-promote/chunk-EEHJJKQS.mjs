import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  parsePlatform
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";

// cli/options.ts
function withCopyFlags(y) {
  return y.option("jobs", { type: "number", default: 4, describe: "blob transfers at once" }).option("platform", {
    type: "string",
    array: true,
    // One value per flag: without it yargs swallows the positionals that follow
    // (`--platform linux/arm64 SRC DST` would read SRC and DST as platforms).
    nargs: 1,
    describe: "copy only these platforms of an index (os/arch[/variant], repeatable); the copied index gets a new digest"
  }).option("chunk-size", {
    type: "string",
    describe: "upload blobs larger than this in chunks (e.g. 64MiB); default: one streamed PUT, chunks only when a registry refuses it"
  }).option("referrers", {
    type: "boolean",
    default: false,
    describe: "also copy signatures, SBOMs and attestations (referrers API, sha256-<hex> tag schema, cosign tags)"
  }).option("from-plain-http", {
    type: "boolean",
    describe: "http:// for the source registry only (--from-plain-http=false: https even on loopback)"
  }).option("to-plain-http", {
    type: "boolean",
    describe: "http:// for the target registry only (--to-plain-http=false: https even on loopback)"
  }).option("dry-run", {
    type: "boolean",
    default: false,
    describe: "plan only: read and check, write nothing"
  });
}
function copyOptions(args, rt, onEvent) {
  if (!Number.isInteger(args.jobs) || args.jobs < 1 || args.jobs > 64) {
    throw new UsageError(`--jobs must be a whole number from 1 to 64, got ${args.jobs}`);
  }
  const platforms = (args.platform ?? []).map(parsePlatform);
  return {
    jobs: args.jobs,
    ...args.chunkSize !== void 0 && { chunkSize: parseSize(args.chunkSize, "--chunk-size") },
    platforms,
    referrers: args.referrers,
    dryRun: args.dryRun,
    logger: rt.logger,
    ...onEvent && { onEvent },
    ...rt.signal && { signal: rt.signal }
  };
}
var units = {
  "": 1,
  B: 1,
  K: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GIB: 1024 ** 3
};
function parseSize(text, flag) {
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? units[m[2].toUpperCase()] : void 0;
  const n = m && unit !== void 0 ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} takes a size like 16MiB or 1048576, got ${JSON.stringify(text)}`);
  }
  return n;
}

export {
  withCopyFlags,
  copyOptions
};
