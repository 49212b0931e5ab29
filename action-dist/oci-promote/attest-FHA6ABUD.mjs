import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  evidenceOutput,
  readDetails,
  reportedEvidence,
  withEvidenceFlags
} from "./chunk-G6HL4MJ2.mjs";
import "./chunk-ZX67BABO.mjs";
import "./chunk-LMJM2V7G.mjs";
import {
  version
} from "./chunk-HSIGPYPO.mjs";
import "./chunk-CTFZVZXF.mjs";
import "./chunk-CZ5OMZCG.mjs";
import "./chunk-MIN6OU75.mjs";
import {
  attest,
  provenanceFromEnv
} from "./chunk-LJTWE54T.mjs";
import {
  formatReference,
  manifestReference,
  parseCheck,
  parseReference,
  parseResult,
  parseStage,
  parseText,
  repositoryOf
} from "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/attest.ts
function attestCommand(run) {
  return {
    builder: (y) => withEvidenceFlags(
      y.positional("image", {
        type: "string",
        demandOption: true,
        describe: "host/path:tag or host/path@digest (resolved once to its digest)"
      }).option("stage", {
        type: "string",
        demandOption: true,
        describe: "the stage that verified it: lower-case letters, digits, . _ - (staging)"
      }).option("result", {
        type: "string",
        demandOption: true,
        describe: "passed or failed"
      }).option("check", {
        type: "string",
        array: true,
        nargs: 1,
        describe: "one named check and its result, NAME=passed|failed (repeatable)"
      }).option("details", {
        type: "string",
        describe: "a file holding a JSON object (at most 64 KiB) kept in the record"
      }).option("summary", { type: "string", describe: "one line saying what was verified" }),
      "attestation"
    ),
    handler: (args) => run(args, async (rt) => {
      const image = parseReference(args.image);
      manifestReference(image);
      const stage = parseStage(args.stage);
      const result = parseResult(args.result);
      const checks = (args.check ?? []).map(parseCheck);
      const details = args.details === void 0 ? void 0 : await readDetails(args.details);
      const summary = args.summary === void 0 ? void 0 : parseText(args.summary, "--summary");
      const provenance = provenanceFromEnv(rt.io.env);
      const r = await reportedEvidence(
        rt,
        args,
        {
          action: "attest",
          repository: formatReference(repositoryOf(image)),
          ...image.tag !== void 0 && { tag: image.tag },
          ...image.digest !== void 0 && { digest: image.digest },
          dryRun: args.dryRun
        },
        provenance,
        () => attest(
          rt.client(),
          {
            image,
            stage,
            result,
            ...checks.length > 0 && { checks },
            ...details !== void 0 && { details },
            ...summary !== void 0 && { summary },
            provenance,
            dryRun: args.dryRun,
            ...rt.signal && { signal: rt.signal }
          },
          { tool: `oci-promote/${version}` }
        )
      );
      return evidenceOutput(r);
    })
  };
}
export {
  attestCommand
};
