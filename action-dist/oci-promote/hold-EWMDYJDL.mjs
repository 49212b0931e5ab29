import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  evidenceOutput,
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
  hold,
  provenanceFromEnv,
  release
} from "./chunk-LJTWE54T.mjs";
import {
  formatReference,
  parseReference,
  parseText,
  repositoryOf
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/hold.ts
var ACTIONS = { hold, release };
function holdCommand(run, action) {
  return {
    builder: (y) => withEvidenceFlags(
      y.positional("target", {
        type: "string",
        demandOption: true,
        describe: "host/path@sha256:<digest> (a digest, not a tag)"
      }).option("reason", {
        type: "string",
        demandOption: true,
        describe: `why (required; kept in the ${action} record)`
      }),
      action
    ),
    handler: (args) => run(args, async (rt) => {
      const target = parseReference(args.target);
      if (target.digest === void 0 || target.tag !== void 0) {
        throw new UsageError(
          `${action} takes host/path@sha256:<digest> (a digest, not a tag), got ${args.target}: find the digest with \`oci-promote digest\``
        );
      }
      const reason = parseText(args.reason, "--reason");
      const provenance = provenanceFromEnv(rt.io.env);
      const r = await reportedEvidence(
        rt,
        args,
        {
          action,
          repository: formatReference(repositoryOf(target)),
          digest: target.digest,
          dryRun: args.dryRun
        },
        provenance,
        () => ACTIONS[action](
          rt.client(),
          {
            target,
            reason,
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
  holdCommand
};
