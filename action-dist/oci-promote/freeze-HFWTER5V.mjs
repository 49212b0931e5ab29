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
  freeze,
  provenanceFromEnv,
  unfreeze
} from "./chunk-LJTWE54T.mjs";
import {
  formatReference,
  parseReference,
  parseText,
  parseUntil
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/freeze.ts
var ACTIONS = { freeze, unfreeze };
function freezeCommand(run, action) {
  return {
    builder: (y) => {
      const base = y.positional("repo", {
        type: "string",
        demandOption: true,
        describe: "host/path (no tag, no digest)"
      }).option("reason", {
        type: "string",
        demandOption: true,
        describe: `why (required; kept in the ${action} record)`
      });
      const withUntil = action === "freeze" ? base.option("until", {
        type: "string",
        describe: "lift the freeze by itself at TIME: ISO 8601 (2026-12-24T18:00:00Z) or a duration from now (4h, 2d)"
      }) : base;
      return withEvidenceFlags(withUntil, action);
    },
    handler: (args) => run(args, async (rt) => {
      const target = parseReference(args.repo);
      if (target.tag !== void 0 || target.digest !== void 0) {
        throw new UsageError(
          `${action} takes a repository without tag or digest (host/path), got ${args.repo}`
        );
      }
      const reason = parseText(args.reason, "--reason");
      const until = args.until === void 0 ? void 0 : parseUntil(args.until);
      const provenance = provenanceFromEnv(rt.io.env);
      const r = await reportedEvidence(
        rt,
        args,
        { action, repository: formatReference(target), dryRun: args.dryRun },
        provenance,
        () => ACTIONS[action](
          rt.client(),
          {
            target,
            reason,
            ...until && { until },
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
  freezeCommand
};
