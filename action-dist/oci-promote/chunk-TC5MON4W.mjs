import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  escapeText
} from "./chunk-CTFZVZXF.mjs";
import {
  history
} from "./chunk-LJTWE54T.mjs";
import {
  parseReference,
  shortDigest
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";

// cli/commands/history.ts
function historyCommand(run) {
  return {
    builder: (y) => y.positional("target", {
      type: "string",
      demandOption: true,
      describe: "host/path, or host/path:tag for one tag"
    }),
    handler: (args) => run(args, async (rt) => {
      const target = parseReference(args.target);
      if (target.digest)
        throw new UsageError("history takes host/path or host/path:tag, not a digest");
      const result = await history(rt.client(), target, rt.signal);
      return {
        json: result,
        text: result.entries.length > 0 ? historyLines(result.entries) : [`no recorded history for ${args.target}`]
      };
    })
  };
}
function historyLines(entries) {
  const lines = [];
  let last;
  for (const e of entries) {
    const head = `${e.time}  ${e.action.padEnd(8)}  ${e.digest ? shortDigest(e.digest) : "(repository)       "}`;
    if (e.tag === null) {
      last = void 0;
      lines.push(`${head}  ${who(e)}${evidenceNote(e)}`);
      continue;
    }
    const change = `${e.tag} (${e.previousDigest ? `was ${shortDigest(e.previousDigest)}` : "new"})`;
    if (e.record === last) {
      lines[lines.length - 1] += `, ${change}`;
      continue;
    }
    last = e.record;
    const by = who(e);
    lines.push(`${head}  ${by ? `${by}: ` : ""}${change}${tagNote(e)}`);
  }
  return lines.map(escapeText);
}
function who(e) {
  return [
    e.actor && `by ${e.actor}`,
    e.source && `from ${e.source.replace(/@sha(256|512):[0-9a-f]+$/, "")}`
  ].filter(Boolean).join(" ");
}
function tagNote(e) {
  if (e.tag === null) return "";
  const notes = [
    ...e.reason ? [`reason: ${e.reason}`] : [],
    ...(e.overrides ?? []).map(
      (o) => `${o.gate === "hold" ? "allowed held" : "override freeze"}: ${o.reason}`
    )
  ];
  return notes.length > 0 ? ` \u2014 ${notes.join("; ")}` : "";
}
function evidenceNote(e) {
  if (e.tag !== null) return "";
  const sep = e.actor ? ": " : "";
  if (e.action === "attest") {
    const checks = e.checks?.length ? ` (${e.checks.map((c) => `${c.name}=${c.result}`).join(", ")})` : "";
    return `${sep}${e.stage ?? "?"} ${e.result ?? "?"}${checks}${e.summary ? ` \u2014 ${e.summary}` : ""}`;
  }
  return `${sep}${e.reason ?? ""}${e.until ? ` (until ${e.until})` : ""}`;
}

export {
  historyCommand,
  historyLines
};
