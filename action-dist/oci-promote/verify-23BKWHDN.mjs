import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  EXIT,
  failureLine
} from "./chunk-CZ5OMZCG.mjs";
import "./chunk-MIN6OU75.mjs";
import {
  verify
} from "./chunk-LJTWE54T.mjs";
import {
  parseDigest,
  parseReference
} from "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/verify.ts
function verifyCommand(run) {
  return {
    builder: (y) => y.positional("ref", {
      type: "string",
      demandOption: true,
      describe: "host/path:tag or host/path@digest"
    }).option("digest", { type: "string", describe: "the digest the reference must resolve to" }).option("deep", {
      type: "boolean",
      default: false,
      describe: "check every child manifest (hashed) and blob (present, right size)"
    }).option("jobs", {
      type: "number",
      default: 4,
      describe: "checks at once"
    }),
    handler: (args) => run(args, async (rt) => {
      const ref = parseReference(args.ref);
      const digest = args.digest === void 0 ? void 0 : parseDigest(args.digest);
      const result = await verify(rt.client().repository(ref), ref, {
        deep: args.deep,
        jobs: args.jobs,
        ...digest && { digest },
        ...rt.signal && { signal: rt.signal }
      });
      const { reason, ...json } = result;
      if (result.ok) {
        return { json, text: [`OK ${result.reference}${args.deep ? " (deep)" : ""}`] };
      }
      return {
        json: { ...json, error: { code: "ERR_VERIFY_FAILED", message: reason } },
        text: result.missing.map((m) => `missing or damaged: ${m}`),
        exitCode: EXIT.integrity,
        failure: failureLine("ERR_VERIFY_FAILED", `verify failed: ${reason}`)
      };
    })
  };
}
export {
  verifyCommand
};
