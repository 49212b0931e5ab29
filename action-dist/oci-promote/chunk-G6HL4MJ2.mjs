import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  checkReportFlags,
  recordEvent
} from "./chunk-ZX67BABO.mjs";
import {
  errorAnnotation,
  failureMarkdown,
  mdCode,
  mdText,
  writeGitHubStep
} from "./chunk-LMJM2V7G.mjs";
import {
  auditEventFromEvidence,
  auditEventFromFailure
} from "./chunk-LJTWE54T.mjs";
import {
  MAX_DETAILS,
  shortDigest
} from "./chunk-T7E4FPN2.mjs";
import {
  UsageError
} from "./chunk-TTHS4RUE.mjs";

// cli/evidence-flags.ts
import { open } from "node:fs/promises";
function withEvidenceFlags(y, noun) {
  return y.option("dry-run", {
    type: "boolean",
    default: false,
    describe: "check everything and say what would be written; write nothing"
  }).option("audit-log", {
    type: "string",
    describe: `append one JSON line per ${noun} to this file`
  }).option("notify-url", {
    type: "string",
    describe: 'POST a JSON message (Slack-compatible "text") on success and failure'
  });
}
async function readDetails(path) {
  let bytes;
  try {
    const fh = await open(path, "r");
    try {
      const buffer = Buffer.alloc(MAX_DETAILS + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await fh.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      bytes = buffer.subarray(0, length);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const reason = e.code ?? e.message;
    throw new UsageError(`cannot read --details ${path}: ${reason}`);
  }
  if (bytes.length > MAX_DETAILS) {
    throw new UsageError(`--details ${path} is larger than ${MAX_DETAILS / 1024} KiB`);
  }
  let value;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new UsageError(`--details ${path} is not JSON: ${e.message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new UsageError(`--details ${path} must hold a JSON object, not ${kind}`);
  }
  return value;
}

// cli/evidence-report.ts
async function reportedEvidence(rt, flags, failure, provenance, action) {
  await checkReportFlags(rt, flags);
  const command = failure.action;
  let result;
  try {
    result = await action();
  } catch (error) {
    const warning2 = await recordEvent(rt, flags, auditEventFromFailure(failure, error, provenance));
    await writeStep(rt, {
      command,
      errors: () => [errorAnnotation(command, error)],
      warnings: warning2 ? [warning2] : [],
      summary: failureMarkdown(command, error)
    });
    throw error;
  }
  const warning = await recordEvent(rt, flags, auditEventFromEvidence(result, provenance));
  await writeStep(rt, {
    command,
    errors: () => [],
    warnings: warning ? [warning] : [],
    outputs: evidenceOutputs(result),
    summary: evidenceMarkdown(result)
  });
  return result;
}
function writeStep(rt, step) {
  return writeGitHubStep(
    { env: rt.io.env, stderr: rt.io.stderr, redact: (text) => rt.secrets.redact(text) },
    step
  );
}
function evidenceOutputs(r) {
  return {
    record: r.record ?? "",
    digest: r.digest ?? "",
    ...r.stage !== void 0 && { stage: r.stage },
    ...r.result !== void 0 && { result: r.result }
  };
}
var DONE = {
  attest: ["\u{1F4DD}", "Attested", "Would attest"],
  hold: ["\u26D4", "Held", "Would hold"],
  release: ["\u{1F513}", "Released", "Would release"],
  freeze: ["\u{1F9CA}", "Froze", "Would freeze"],
  unfreeze: ["\u{1F324}\uFE0F", "Unfroze", "Would unfreeze"]
};
var subject = (r) => r.digest ? `${r.repository}@${r.digest}` : r.repository;
function what(r) {
  if (r.action === "attest") return `${r.stage ?? "?"} ${r.result ?? "?"}`;
  return `${r.until ? `until ${r.until}: ` : ""}${r.reason ?? ""}`;
}
function evidenceMarkdown(r) {
  const [mark, done, planned] = DONE[r.action] ?? ["\u2022", r.action, r.action];
  const verb = r.dryRun ? `${planned} (dry run, nothing written)` : done;
  const record = r.record ? ` \u2014 record ${mdCode(r.record)}` : "";
  return `### ${mark} ${verb} ${mdCode(subject(r))}

${mdText(what(r))}${record}
`;
}
function evidenceOutput(r) {
  const [, done, planned] = DONE[r.action] ?? ["", r.action, r.action];
  const text = [
    `${r.dryRun ? planned : done} ${r.digest ? `${r.repository}@${shortDigest(r.digest)}` : r.repository}: ${what(r)}`,
    ...r.digest ? [`  digest    ${r.digest}`] : [],
    ...r.record ? [`  record    ${r.record}`] : [],
    `  time      ${r.time}`
  ];
  return { json: r, text };
}

export {
  withEvidenceFlags,
  readDetails,
  reportedEvidence,
  evidenceOutput
};
