import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  reported
} from "./chunk-ZX67BABO.mjs";
import "./chunk-LMJM2V7G.mjs";
import {
  version
} from "./chunk-HSIGPYPO.mjs";
import "./chunk-CTFZVZXF.mjs";
import {
  failureLine
} from "./chunk-CZ5OMZCG.mjs";
import "./chunk-MIN6OU75.mjs";
import {
  auditEventFromRollback,
  provenanceFromEnv,
  rollback
} from "./chunk-LJTWE54T.mjs";
import {
  parseDigest,
  parseReference,
  parseText
} from "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/rollback.ts
function rollbackCommand(run) {
  return {
    builder: (y) => y.positional("target", { type: "string", demandOption: true, describe: "host/path:tag" }).option("steps", { type: "number", describe: "how many promotions back (default 1)" }).option("to", {
      alias: "to-digest",
      type: "string",
      describe: "roll back to this digest (must be in the tag history)"
    }).option("hold", {
      type: "boolean",
      default: true,
      describe: "hold the digest the tag moves away from, so no promotion brings it back until released (--no-hold to skip)"
    }).option("reason", {
      type: "string",
      describe: "why: kept in the rollback record and in the hold"
    }).option("allow-overwrite", {
      type: "boolean",
      default: false,
      describe: "allow moving an immutable version tag"
    }).option("dry-run", {
      type: "boolean",
      default: false,
      describe: "check and plan only, write nothing"
    }).option("audit-log", {
      type: "string",
      describe: "append one JSON line per rollback to this file"
    }).option("notify-url", {
      type: "string",
      describe: 'POST a JSON message (Slack-compatible "text") on success and failure'
    }),
    handler: (args) => run(args, async (rt) => {
      const reason = args.reason === void 0 ? void 0 : parseText(args.reason, "--reason");
      const provenance = provenanceFromEnv(rt.io.env);
      const failure = {
        action: "rollback",
        repository: args.target,
        dryRun: args.dryRun
      };
      const result = await reported(
        rt,
        args,
        failure,
        provenance,
        () => rollback(
          rt.client(),
          {
            target: parseReference(args.target),
            ...args.steps !== void 0 && { steps: args.steps },
            ...args.to !== void 0 && { to: parseDigest(args.to) },
            allowOverwrite: args.allowOverwrite,
            hold: args.hold,
            ...reason !== void 0 && { reason },
            dryRun: args.dryRun,
            provenance,
            ...rt.signal && { signal: rt.signal },
            logger: rt.logger
          },
          { tool: `oci-promote/${version}` }
        ),
        (r) => auditEventFromRollback(r, provenance)
      );
      return rollbackOutput(result, args.hold);
    })
  };
}
function rollbackOutput(r, hold = false) {
  const same = r.digest === r.previousDigest;
  const text = same ? [`Already at ${r.repository}:${r.tag}`, `  now       ${r.digest}`] : r.dryRun ? [
    `Would roll back ${r.repository}:${r.tag}`,
    `  to        ${r.digest}`,
    `  from      ${r.previousDigest}`,
    ...hold ? [`  hold      ${r.previousDigest} would be held`] : []
  ] : [
    `Rolled back ${r.repository}:${r.tag}`,
    `  now       ${r.digest}`,
    `  was       ${r.previousDigest}`,
    ...r.record ? [`  record    ${r.record}`] : [],
    ...r.hold ? [`  held      ${r.previousDigest} (hold record ${r.hold})`] : []
  ];
  if (r.conflicts.length === 0) return { json: r, text };
  return {
    json: r,
    text,
    exitCode: 1,
    failure: failureLine(
      "ERR_TAG_CONFLICT",
      `another writer moved ${r.tag} to ${r.conflicts[0]?.found ?? "nothing"} right after the rollback`
    )
  };
}
export {
  rollbackCommand,
  rollbackOutput
};
