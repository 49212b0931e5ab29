import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  prune
} from "./chunk-LJTWE54T.mjs";
import {
  parseRepository
} from "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/commands/prune.ts
function pruneCommand(run) {
  return {
    builder: (y) => y.positional("repo", { type: "string", demandOption: true, describe: "host/path" }).option("keep", {
      type: "number",
      demandOption: true,
      describe: "history entries to keep per tag (at least 1)"
    }).option("dry-run", {
      type: "boolean",
      default: false,
      describe: "list what would go, change nothing"
    }),
    handler: (args) => run(args, async (rt) => {
      const result = await prune(rt.client(), {
        target: parseRepository(args.repo),
        keep: args.keep,
        dryRun: args.dryRun,
        ...rt.signal && { signal: rt.signal },
        logger: rt.logger
      });
      const verb = result.dryRun ? "would be" : "were";
      const text = [
        `${result.removedRecords.length} history record(s) ${verb} dropped from ${result.repository} (keeping ${result.keep} per tag)`,
        `${result.deleted.length} image manifest(s) ${verb} deleted`,
        ...result.deleted.map((d) => `  ${d}`),
        `${result.deletedRecords.length} history record artifact(s) ${verb} deleted`,
        ...result.deletedRecords.map((d) => `  ${d}`)
      ];
      if (result.ignoredRecords.length > 0) {
        text.push(
          `${result.ignoredRecords.length} ledger entr(ies) ignored: not records oci-promote wrote (nothing they name was deleted)`,
          ...result.ignoredRecords.map((d) => `  ${d}`)
        );
      }
      if (result.deletionSkipped) text.push(`deletion skipped: ${result.deletionSkipped}`);
      return { json: result, text };
    })
  };
}
export {
  pruneCommand
};
