import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  escapeText,
  formatBytes
} from "./chunk-CTFZVZXF.mjs";
import {
  failureText,
  hintFor
} from "./chunk-CZ5OMZCG.mjs";
import {
  refusalGate
} from "./chunk-LJTWE54T.mjs";
import {
  OciPromoteError,
  errorSummary
} from "./chunk-TTHS4RUE.mjs";

// cli/github-actions.ts
import { randomUUID } from "node:crypto";
import { appendFile } from "node:fs/promises";
var isPromotion = (r) => "tags" in r;
function tagsAtDigest(result) {
  return result.tags.filter((t) => t.action !== "unchanged" || t.previousDigest === result.digest).map((t) => t.tag);
}
function outputValues(result) {
  if (isPromotion(result)) {
    const moved = result.tags.find((t) => t.action === "moved");
    return {
      digest: result.digest,
      tags: tagsAtDigest(result).join(","),
      "previous-digest": moved?.previousDigest ?? ""
    };
  }
  return { digest: result.digest, tags: result.tag, "previous-digest": result.previousDigest };
}
function outputLines(outputs, delimiter = () => `ghadelimiter_${randomUUID()}`) {
  const lines = [];
  for (const [name, value] of Object.entries(outputs)) {
    if (!/[\r\n]/.test(value)) {
      lines.push(`${name}=${value}`);
      continue;
    }
    let d = delimiter();
    while (value.includes(d)) d = delimiter();
    lines.push(`${name}<<${d}`, value, d);
  }
  return lines;
}
function mdText(s) {
  return escapeText(
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/([\\`*_[\]|~#!])/g, "\\$1").replace(/\s*[\r\n]+\s*/g, " ")
  );
}
function mdCode(s) {
  const text = escapeText(s.replace(/[\r\n]+/g, " ")).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = longest > 0 ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}
var plural = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
var row = (cells) => `| ${cells.join(" | ")} |`;
function summaryMarkdown(result) {
  const lines = [];
  const dry = result.dryRun;
  if (isPromotion(result)) {
    const changed = result.tags.some((t) => t.action !== "unchanged");
    const heading = dry ? `### \u{1F9EA} Promotion to ${mdCode(result.repository)} planned (dry run, nothing written)` : changed ? `### \u2705 Promoted to ${mdCode(result.repository)}` : `### \u2705 Already promoted to ${mdCode(result.repository)} (no tag changed)`;
    lines.push(heading, "", row(["", ""]), row(["---", "---"]));
    lines.push(row(["source", mdCode(result.source)]));
    lines.push(row(["digest", mdCode(result.digest)]));
    lines.push(row(["repository", mdCode(result.repository)]));
    const c = result.copy;
    if (c) {
      lines.push(
        row([
          dry ? "to copy" : "copied",
          `${plural(c.manifests.copied, "manifest")}, ${plural(c.blobs.copied, "blob")} (${formatBytes(c.bytesCopied)}), ${c.blobs.mounted} mounted; ${c.manifests.skipped + c.blobs.skipped} already present`
        ])
      );
      if (c.referrers && c.referrers.length > 0) {
        const copied = c.referrers.filter((r) => r.action === "copied").length;
        lines.push(
          row(["referrers", `${copied} copied, ${c.referrers.length - copied} already present`])
        );
      }
    }
    lines.push(row(["history record", result.record ? mdCode(result.record) : "\u2014"]));
    lines.push("", row(["tag", "action", "previous digest"]), row(["---", "---", "---"]));
    for (const t of result.tags) {
      lines.push(
        row([
          mdCode(t.tag),
          `${dry && t.action !== "unchanged" ? `${t.action} (planned)` : t.action}${t.reason ? ` \u2014 ${mdText(t.reason)}` : ""}`,
          t.previousDigest ? mdCode(t.previousDigest) : "\u2014"
        ])
      );
    }
  } else {
    const target = `${result.repository}:${result.tag}`;
    lines.push(
      dry ? `### \u{1F9EA} Rollback of ${mdCode(target)} planned (dry run, nothing written)` : `### \u21A9\uFE0F Rolled back ${mdCode(target)}`,
      "",
      row(["tag", "now", "before"]),
      row(["---", "---", "---"]),
      row([mdCode(result.tag), mdCode(result.digest), mdCode(result.previousDigest)]),
      "",
      `History record: ${result.record ? mdCode(result.record) : "\u2014"}`,
      ...result.hold ? [
        "",
        `\u26D4 ${mdCode(result.previousDigest)} is held (record ${mdCode(result.hold)}): no promotion brings it back until \`oci-promote release\`.`
      ] : []
    );
  }
  const conflicts = result.conflicts ?? [];
  if (conflicts.length > 0) {
    lines.push("", "> \u26A0\uFE0F **Moved by another writer** right after this run wrote them:");
    for (const c of conflicts) {
      lines.push(
        `> - ${mdCode(c.tag)}: expected ${mdCode(c.expected)}, found ${c.found ? mdCode(c.found) : "no tag"}`
      );
    }
  }
  return `${lines.join("\n")}
`;
}
function failureMarkdown(command, err) {
  const { code, message } = errorSummary(err);
  const hint = hintFor(code);
  const gate = refusalGate({ code });
  return [
    gate ? `### \u{1F6AB} oci-promote ${mdText(command)} refused by ${gate}` : `### \u274C oci-promote ${mdText(command)} failed`,
    "",
    mdText(message),
    "",
    `${mdCode(code)}${hint ? ` \u2014 ${mdText(hint)}` : ""}`,
    ""
  ].join("\n");
}
var issued = /* @__PURE__ */ new Set();
function takeIssuedCommand(line) {
  return issued.delete(line);
}
function workflowCommand(name, properties, message) {
  const props = Object.entries(properties).filter(([, v]) => v !== void 0).map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(",");
  const line = `::${name}${props ? ` ${props}` : ""}::${escapeData(message)}`;
  issued.add(line);
  return line;
}
function escapeData(s) {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s) {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
function failureAnnotation(command, failure, where = {}) {
  const gate = refusalGate(failure);
  return workflowCommand(
    "error",
    { ...where.place, title: `oci-promote ${command}${gate ? ` refused by ${gate}` : ""}` },
    `${where.prefix ?? ""}${failureText(failure)}`
  );
}
function errorAnnotation(command, err) {
  return failureAnnotation(command, errorSummary(err));
}
function messageAnnotation(level, command, message) {
  const text = message.trim().replace(/\s*\n\s*/g, " ");
  return workflowCommand(level, { title: `oci-promote ${command}` }, text);
}
function conflictMessages(result) {
  return (result.conflicts ?? []).map(
    (c) => `tag ${c.tag} was moved by another writer right after this run wrote it: expected ${c.expected}, found ${c.found ?? "no tag"}`
  );
}
var GitHubOutputError = class extends OciPromoteError {
  code = "ERR_GITHUB_OUTPUT";
};
async function appendGitHubFile(variable, path, text, redact = (s) => s) {
  try {
    await appendFile(path, redact(text), { encoding: "utf8" });
  } catch (e) {
    const reason = e.code ?? e.message;
    throw new GitHubOutputError(`cannot write ${variable} (${path}): ${reason}`, { cause: e });
  }
}
async function writeGitHubStep(io, step) {
  const { env, stderr, redact } = io;
  if (env.GITHUB_ACTIONS === "true") {
    for (const line of step.errors()) stderr.write(`${line}
`);
    for (const w of step.warnings) {
      stderr.write(`${messageAnnotation("warning", step.command, w)}
`);
    }
  }
  if (env.GITHUB_OUTPUT && step.outputs) {
    const lines = outputLines(step.outputs);
    await appendGitHubFile("GITHUB_OUTPUT", env.GITHUB_OUTPUT, `${lines.join("\n")}
`, redact);
  }
  if (env.GITHUB_STEP_SUMMARY) {
    let md = step.summary ?? "";
    const extra = step.warnings.map((w) => `> \u26A0\uFE0F ${mdText(w)}`);
    if (extra.length > 0) md += `
${extra.join("\n")}
`;
    if (md) {
      await appendGitHubFile("GITHUB_STEP_SUMMARY", env.GITHUB_STEP_SUMMARY, `${md}
`, redact);
    }
  }
}
async function reportToGitHub(report) {
  const { command, result, error } = report;
  await writeGitHubStep(report, {
    command,
    errors: () => result ? conflictMessages(result).map((c) => messageAnnotation("error", command, c)) : error !== void 0 ? [errorAnnotation(command, error)] : [],
    warnings: report.warnings ?? [],
    ...result && { outputs: outputValues(result), summary: summaryMarkdown(result) },
    ...!result && error !== void 0 && refusalOutputs(error),
    ...!result && error !== void 0 && { summary: failureMarkdown(command, error) }
  });
}
function refusalOutputs(error) {
  const gate = refusalGate(error);
  return gate ? { outputs: { refused: gate } } : {};
}

export {
  tagsAtDigest,
  mdText,
  mdCode,
  failureMarkdown,
  takeIssuedCommand,
  failureAnnotation,
  errorAnnotation,
  writeGitHubStep,
  reportToGitHub
};
