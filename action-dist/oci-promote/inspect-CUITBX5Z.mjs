import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  escapeText,
  formatBytes
} from "./chunk-CTFZVZXF.mjs";
import {
  inspect
} from "./chunk-LJTWE54T.mjs";
import {
  parseReference
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/inspect.ts
function inspectCommand(run) {
  return {
    builder: (y) => y.positional("ref", {
      type: "string",
      demandOption: true,
      describe: "host/path:tag or host/path@digest"
    }).option("raw", {
      type: "boolean",
      default: false,
      describe: "print the manifest bytes exactly as stored"
    }),
    handler: (args) => run(args, async (rt) => {
      if (args.raw && args.json) throw new UsageError("--raw and --json cannot be used together");
      const ref = parseReference(args.ref);
      const { raw, ...result } = await inspect(rt.client().repository(ref), ref, rt.signal);
      if (args.raw) return { json: result, text: [], raw };
      const lines = [
        `reference  ${result.reference}`,
        `digest     ${result.digest}`,
        `mediaType  ${result.mediaType}`,
        `size       ${formatBytes(result.size)}`
      ];
      if (result.artifactType) lines.push(`artifact   ${result.artifactType}`);
      lines.push(`platforms  ${result.platforms.join(", ") || "-"}`);
      lines.push(`referrers  ${result.referrers.length === 0 ? "-" : ""}`);
      for (const r of result.referrers) {
        lines.push(
          `  ${r.digest} ${r.artifactType ?? r.mediaType}${r.tag ? ` (tag ${r.tag})` : ""}`
        );
      }
      return { json: result, text: lines.map(escapeText) };
    })
  };
}
export {
  inspectCommand
};
