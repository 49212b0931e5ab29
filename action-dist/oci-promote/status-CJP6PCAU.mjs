import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  historyLines
} from "./chunk-TC5MON4W.mjs";
import {
  mdCode,
  mdText
} from "./chunk-LMJM2V7G.mjs";
import {
  escapeText
} from "./chunk-CTFZVZXF.mjs";
import "./chunk-CZ5OMZCG.mjs";
import "./chunk-MIN6OU75.mjs";
import {
  status
} from "./chunk-LJTWE54T.mjs";
import {
  parseReference,
  parseRepository,
  shortDigest
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/status-mermaid.ts
var ACTIONS = /* @__PURE__ */ new Set(["promote", "rollback"]);
function safeDigest(digest) {
  return shortDigest(digest).replace(/[^a-z0-9:]/g, "?");
}
function safeTime(time) {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? "?" : new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}
function safeTag(tag) {
  return tag.replace(/[^A-Za-z0-9_.-]/g, "?").slice(0, 128);
}
var isTagChange = (e) => e.tag !== null;
function statusMermaid(r) {
  const changes = r.history.filter(isTagChange).reverse();
  if (changes.length === 0) return void 0;
  const ids = /* @__PURE__ */ new Map();
  const lines = ["flowchart LR"];
  const node = (digest) => {
    const key = digest ?? "";
    let id = ids.get(key);
    if (id === void 0) {
      id = digest === null ? "notag" : `d${ids.size}`;
      ids.set(key, id);
      lines.push(digest === null ? `  ${id}(["no tag"])` : `  ${id}["${safeDigest(digest)}"]`);
    }
    return id;
  };
  const edges = [];
  for (const e of changes) {
    const from = node(e.previousDigest);
    const to = node(e.digest);
    const action = ACTIONS.has(e.action) ? e.action : "?";
    const tag = r.tag === null ? `${safeTag(e.tag)} ` : "";
    edges.push(`  ${from} -->|"${tag}${action} ${safeTime(e.time)}"| ${to}`);
  }
  lines.push(...edges);
  const held = new Set(r.holds.map((h) => h.digest));
  const current = [...ids].filter(([d]) => d === r.digest).map(([, id]) => id);
  const heldIds = [...ids].filter(([d]) => held.has(d)).map(([, id]) => id);
  if (current.length > 0) {
    lines.push("  classDef current stroke-width:3px", `  class ${current.join(",")} current`);
  }
  if (heldIds.length > 0) {
    lines.push("  classDef held fill:#fdd,stroke:#c00", `  class ${heldIds.join(",")} held`);
  }
  return lines.join("\n");
}

// cli/status-format.ts
var STATUS_FORMATS = ["text", "markdown"];
function subjectOf(r) {
  if (r.tag !== null) return `${r.repository}:${r.tag}`;
  return r.digest ? `${r.repository}@${r.digest}` : r.repository;
}
var by = (actor, time) => `${actor ? `by ${actor} ` : ""}at ${time}`;
function freezeText(f) {
  if (!f) return "none";
  return `frozen ${by(f.actor, f.time)}${f.until ? ` until ${f.until}` : ""}: ${f.reason}`;
}
function holdText(h) {
  return `${shortDigest(h.digest)} held ${by(h.actor, h.time)}: ${h.reason}`;
}
function stageText(v) {
  const checks = v.checks.length ? ` (${v.checks.map((c) => `${c.name}=${c.result}`).join(", ")})` : "";
  return `${v.stage.padEnd(12)} ${v.result.padEnd(6)} ${by(v.actor, v.time)}${checks}${v.runUrl ? ` ${v.runUrl}` : ""}`;
}
function statusLines(r) {
  const lines = [`Status of ${subjectOf(r)}`];
  if (r.digest) lines.push(`  digest    ${r.digest}`);
  for (const t of r.tags) lines.push(`  tag       ${t.tag.padEnd(20)} ${t.digest}`);
  if (r.tags.length === 0) lines.push("  tags      none");
  if (r.tagsTruncated) lines.push(`  tags      (more tags exist than the ${r.tags.length} shown)`);
  lines.push(`  freeze    ${freezeText(r.freeze)}`);
  for (const h of r.holds) lines.push(`  hold      ${holdText(h)}`);
  if (r.holds.length === 0) lines.push("  holds     none");
  if (r.digest) lines.push(`  held      ${r.held ? "yes: it cannot be promoted here" : "no"}`);
  const stages = Object.values(r.stages);
  for (const v of stages) lines.push(`  stage     ${stageText(v)}`);
  if (r.digest && stages.length === 0) lines.push("  stages    no verification recorded");
  const out = lines.map(escapeText);
  if (r.history.length > 0) {
    out.push("History (newest first):", ...historyLines(r.history).map((l) => `  ${l}`));
  } else {
    out.push("History: none recorded");
  }
  return out;
}
var row = (cells) => `| ${cells.join(" | ")} |`;
var head = (cells) => [row(cells), row(cells.map(() => "---"))];
function mdLink(url, label = "run") {
  if (!url) return "\u2014";
  let href;
  try {
    const u = new URL(url);
    if (u.protocol !== "https:" && u.protocol !== "http:") return mdText(url);
    href = u.href;
  } catch {
    return mdText(url);
  }
  const safe = href.replace(
    /[()[\]<>|`"'\\\s*_~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`
  );
  return `[${label}](${safe})`;
}
var mdWho = (actor) => actor ? mdText(actor) : "\u2014";
function freezeMarkdown(f) {
  if (!f) return "**Freeze:** none.";
  const until = f.until ? ` until ${mdText(f.until)}` : " until unfrozen";
  return `**Freeze:** \u{1F9CA} frozen since ${mdText(f.time)} by ${mdWho(f.actor)}${until}: ${mdText(f.reason)} (${mdLink(f.runUrl)})`;
}
function holdsMarkdown(r) {
  if (r.holds.length === 0) return ["**Holds:** none."];
  return [
    "**Holds:**",
    "",
    ...r.holds.map(
      (h) => `- \u26D4 ${mdCode(h.digest)} held since ${mdText(h.time)} by ${mdWho(h.actor)}: ${mdText(h.reason)} (${mdLink(h.runUrl)})`
    )
  ];
}
var RESULT_MARK = { passed: "\u2705 passed", failed: "\u274C failed" };
function stagesMarkdown(r) {
  const stages = Object.values(r.stages);
  if (stages.length === 0) return r.digest ? ["No verification recorded."] : [];
  return [
    ...head(["stage", "result", "time", "actor", "run"]),
    ...stages.map(
      (v) => row([
        mdCode(v.stage),
        RESULT_MARK[v.result] ?? mdText(v.result),
        mdText(v.time),
        mdWho(v.actor),
        mdLink(v.runUrl)
      ])
    )
  ];
}
function noteOf(e) {
  if (e.tag === null) {
    if (e.action === "attest") {
      return `${mdCode(e.stage ?? "?")} ${RESULT_MARK[e.result ?? ""] ?? "?"}${e.summary ? `: ${mdText(e.summary)}` : ""}`;
    }
    return `${mdText(e.reason ?? "")}${e.until ? ` (until ${mdText(e.until)})` : ""}`;
  }
  const notes = [
    ...e.source ? [`from ${mdCode(e.source.replace(/@sha(256|512):[0-9a-f]+$/, ""))}`] : [],
    ...e.reason ? [mdText(e.reason)] : [],
    ...(e.overrides ?? []).map(
      (o) => `${o.gate === "hold" ? "allowed held" : "override freeze"}: ${mdText(o.reason)}`
    )
  ];
  return notes.join("; ") || "\u2014";
}
function historyMarkdown(r) {
  if (r.history.length === 0) return ["No history recorded."];
  return [
    ...head(["time", "action", "tag", "digest", "by", "note"]),
    ...r.history.map(
      (e) => row([
        mdText(safeTime(e.time)),
        mdText(e.action),
        e.tag === null ? "\u2014" : mdCode(e.tag),
        e.digest ? mdCode(shortDigest(e.digest)) : "\u2014",
        mdWho(e.actor),
        noteOf(e)
      ])
    )
  ];
}
function statusMarkdown(r) {
  const lines = [`### oci-promote status of ${mdCode(subjectOf(r))}`, ""];
  if (r.tags.length > 0) {
    lines.push(
      ...head(["tag", "digest"]),
      ...r.tags.map((t) => row([mdCode(t.tag), mdCode(t.digest)]))
    );
  } else {
    lines.push("No tags.");
  }
  if (r.tagsTruncated) lines.push("", `_More tags exist than the ${r.tags.length} shown._`);
  lines.push("", freezeMarkdown(r.freeze), "", ...holdsMarkdown(r));
  if (r.digest) {
    lines.push(
      "",
      r.held ? "**This digest is held:** it cannot be promoted here." : "This digest is not held."
    );
  }
  const stages = stagesMarkdown(r);
  if (stages.length > 0) lines.push("", "#### Stages", "", ...stages);
  lines.push("", "#### Recent history", "", ...historyMarkdown(r));
  const diagram = statusMermaid(r);
  if (diagram) lines.push("", "```mermaid", diagram, "```");
  return `${lines.join("\n")}
`;
}

// cli/commands/status.ts
function statusCommand(run) {
  return {
    builder: (y) => y.positional("target", {
      type: "string",
      demandOption: true,
      describe: "host/path, host/path:tag or host/path@digest"
    }).option("evidence-repo", {
      type: "string",
      describe: "read verification records from this repository (default: the target)"
    }).option("format", {
      choices: STATUS_FORMATS,
      default: "text",
      describe: "text, or markdown for a GitHub step summary (with a mermaid diagram)"
    }).option("history", {
      type: "number",
      default: 10,
      describe: "recent history entries shown (1 to 100)"
    }),
    handler: (args) => run(args, async (rt) => {
      if (args.json && args.format !== "text") {
        throw new UsageError("--json and --format markdown cannot be combined: choose one");
      }
      if (!Number.isInteger(args.history) || args.history < 1 || args.history > 100) {
        throw new UsageError(`--history is a whole number from 1 to 100, got ${args.history}`);
      }
      const target = parseReference(args.target);
      const evidenceRepository = args.evidenceRepo === void 0 ? void 0 : parseRepository(args.evidenceRepo);
      const result = await status(rt.client(), {
        target,
        ...evidenceRepository && { evidenceRepository },
        historyLimit: args.history,
        ...rt.signal && { signal: rt.signal }
      });
      const text = args.format === "markdown" ? statusMarkdown(result).replace(/\n$/, "").split("\n") : statusLines(result);
      return { json: result, text };
    })
  };
}
export {
  statusCommand
};
