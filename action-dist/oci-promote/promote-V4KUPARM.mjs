import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  checkReportFlags,
  recordEvent,
  reported
} from "./chunk-ZX67BABO.mjs";
import {
  failureAnnotation,
  mdCode,
  mdText,
  tagsAtDigest,
  writeGitHubStep
} from "./chunk-LMJM2V7G.mjs";
import {
  version
} from "./chunk-HSIGPYPO.mjs";
import {
  copyOptions,
  withCopyFlags
} from "./chunk-EEHJJKQS.mjs";
import {
  progressFor
} from "./chunk-VL2SC2SY.mjs";
import {
  done,
  formatBytes
} from "./chunk-CTFZVZXF.mjs";
import {
  EXIT,
  failureLine
} from "./chunk-CZ5OMZCG.mjs";
import {
  docsUrl
} from "./chunk-MIN6OU75.mjs";
import {
  DEFAULT_PARALLEL,
  PromotionFileError,
  auditEventFromFailure,
  auditEventFromPromotion,
  formatPromotionEntry,
  parsePromotionFile,
  parseShard,
  promote,
  promoteBatch,
  provenanceFromEnv,
  readPromotionSource,
  selectShard
} from "./chunk-LJTWE54T.mjs";
import {
  formatReference,
  parseDuration,
  parseReference,
  parseRepository,
  parseStage,
  parseText,
  repositoryOf,
  shortDigest
} from "./chunk-T7E4FPN2.mjs";
import {
  InvalidReferenceError,
  UsageError
} from "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/batch.ts
import { createReadStream } from "node:fs";
var MAX_PARALLEL = 16;
function withBatchFlags(y) {
  return y.option("from-file", {
    type: "string",
    nargs: 1,
    // so that `--from-file -` (stdin) is the value, not a positional argument
    describe: `promote every entry of this promotions file (JSON or YAML, see ${docsUrl("cli.md#batch-promotion-promote---from-file")}); "-" reads stdin`
  }).option("shard", {
    type: "string",
    describe: "with --from-file: only shard I of N (entry k goes to shard k mod N + 1), e.g. 2/4 in a 4-job matrix"
  }).option("parallel", {
    type: "number",
    describe: `with --from-file: promotions at once (default ${DEFAULT_PARALLEL}, at most ${MAX_PARALLEL})`
  }).check((argv) => {
    const a = argv;
    if (a.fromFile === void 0 && (a.shard !== void 0 || a.parallel !== void 0)) {
      throw new UsageError("--shard and --parallel go with --from-file: name a promotions file");
    }
    return true;
  });
}
async function runBatch(rt, args, hooks = {}) {
  if (args.src !== void 0 || args.to !== void 0 || (args.tag?.length ?? 0) > 0) {
    throw new UsageError(
      "--from-file takes sources, targets and tags from the file: leave out <src>, --to and --tag"
    );
  }
  if (args.fromFile === "") throw new UsageError("--from-file needs a file name (or - for stdin)");
  const shard = args.shard === void 0 ? null : parseShard(args.shard);
  const parallel = args.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) {
    throw new UsageError(
      `--parallel must be a whole number from 1 to ${MAX_PARALLEL}, got ${parallel}`
    );
  }
  const copy = copyOptions(args, rt, void 0);
  const gates = gateFields(args);
  const name = args.fromFile === "-" ? "<stdin>" : args.fromFile;
  const entries = await parsePromotionFile(await readPromotionFile(rt, args.fromFile, name), name);
  const selected = shard ? selectShard(entries, shard.index, shard.count) : entries;
  rt.useSides({
    from: selected.map((e) => e.source.registry),
    to: selected.map((e) => e.target.registry)
  });
  await checkReportFlags(rt, args);
  const provenance = provenanceFromEnv(rt.io.env);
  const warnings = [];
  const progress = progressFor(rt, args.dryRun);
  let finished = 0;
  try {
    const outcome = await promoteBatch(rt.client(), selected, {
      parallel,
      // Flags on the command line apply to every entry that does not say otherwise.
      defaults: {
        copy: { ...copy, onEvent: progress.onEvent },
        provenance,
        ...args.semver && { semver: true },
        ...args.allowOverwrite && { allowOverwrite: true },
        ...args.requireReferrer?.length && { requireReferrers: args.requireReferrer },
        ...gates
      },
      promoteOptions: { tool: `oci-promote/${version}` },
      onResult: async (r) => {
        finished++;
        const what = `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}`;
        if (r.ok) {
          const ok = args.dryRun ? "would promote" : "ok";
          rt.logger.info({ line: r.line }, `[${finished}/${selected.length}] ${ok} ${what}`);
        } else {
          rt.logger.warn(
            { line: r.line, code: r.error.code },
            `[${finished}/${selected.length}] failed ${what}: ${r.error.message}`
          );
        }
        const event = auditEventOf(r, provenance, args.dryRun);
        const warning = await recordEvent(rt, args, event, { line: r.line });
        if (warning) warnings.push(warning);
        await hooks.onResult?.(r);
      }
    });
    const info = { file: name, shard, total: entries.length, dryRun: args.dryRun };
    await reportBatchToGitHub(rt, info, outcome.results, warnings);
    return batchOutput(outcome.results, info);
  } finally {
    progress.done();
  }
}
function auditEventOf(r, provenance, dryRun) {
  if (r.ok) return auditEventFromPromotion(r.result, provenance);
  const base = r.result ? auditEventFromPromotion(r.result, provenance) : auditEventFromFailure(
    {
      action: "promote",
      repository: formatReference(r.entry.target),
      source: formatReference(r.entry.source),
      dryRun
    },
    void 0,
    provenance
  );
  return { ...base, ok: false, error: { ...r.error } };
}
async function readPromotionFile(rt, path, name) {
  try {
    const source = path === "-" ? rt.io.stdin : createReadStream(path);
    return await readPromotionSource(source, name);
  } catch (e) {
    if (e instanceof PromotionFileError) throw e;
    const code = e.code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : e.message;
    throw new UsageError(`cannot read the promotions file ${path}: ${why}`, { cause: e });
  }
}
function batchOutput(results, info) {
  const failed = results.filter((r) => !r.ok);
  const succeeded = results.length - failed.length;
  const text = results.map((r) => {
    const what = `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}`;
    if (r.ok && info.dryRun) {
      return `would promote ${what} ${r.result.digest} ${tagsAtDigest(r.result).join(" ")}`.trimEnd();
    }
    return r.ok ? `ok   ${what} ${r.result.digest} ${tagsAtDigest(r.result).join(" ")}`.trimEnd() : `FAIL ${what}: ${r.error.message}`;
  });
  const counts = `${succeeded} ${info.dryRun ? "would be promoted (dry run)" : "promoted"}, ${failed.length} failed`;
  text.push(
    info.shard ? `${counts} (shard ${info.shard.index}/${info.shard.count}: ${results.length} of ${info.total} entries)` : counts
  );
  const json = {
    results: results.map((r) => ({
      line: r.line,
      entry: formatPromotionEntry(r.entry),
      ok: r.ok,
      ...r.ok ? { result: r.result } : { error: r.error, ...r.result && { result: r.result } }
    })),
    succeeded,
    failed: failed.length,
    shard: info.shard ? { index: info.shard.index, count: info.shard.count } : null,
    dryRun: info.dryRun
  };
  if (failed.length === 0) return { json, text };
  const listed = failed.slice(0, 10).map((r) => `${info.file}:${r.line}`);
  if (failed.length > 10) listed.push(`and ${failed.length - 10} more`);
  return {
    json,
    text,
    exitCode: EXIT.failure,
    failure: `error: ${failed.length} of ${results.length} promotions failed (${listed.join(", ")}); ${succeeded} ${info.dryRun ? "planned" : "promoted"}`
  };
}
function batchSummaryMarkdown(results, info) {
  const failed = results.filter((r) => !r.ok).length;
  const succeeded = results.length - failed;
  const icon = failed > 0 ? "\u274C" : info.dryRun ? "\u{1F9EA}" : "\u2705";
  const counts = `${succeeded} ${info.dryRun ? "planned (dry run, nothing written)" : "promoted"}, ${failed} failed`;
  const shard = info.shard ? ` (shard ${info.shard.index}/${info.shard.count}: ${results.length} of ${info.total} entries)` : "";
  const lines = [
    `### ${icon} oci-promote promote --from-file ${mdCode(info.file)}: ${counts}${shard}`,
    "",
    "| | line | source | to | digest | tags or error |",
    "| --- | --- | --- | --- | --- | --- |"
  ];
  for (const r of results) {
    const cells = [
      r.ok ? "\u2705" : "\u274C",
      String(r.line),
      mdCode(formatReference(r.entry.source)),
      mdCode(formatReference(r.entry.target)),
      r.result ? mdCode(r.result.digest) : "\u2014",
      r.ok ? tagsAtDigest(r.result).map(mdCode).join(" ") || "\u2014" : `${mdText(r.error.message)} ${mdCode(r.error.code)}`
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}
`;
}
async function reportBatchToGitHub(rt, info, results, warnings) {
  const failed = results.filter((r) => !r.ok);
  const file = info.file === "<stdin>" ? null : info.file;
  await writeGitHubStep(
    { env: rt.io.env, stderr: rt.io.stderr, redact: (text) => rt.secrets.redact(text) },
    {
      command: "promote",
      // Each failed entry points at its line of the file.
      errors: () => failed.map(
        (r) => failureAnnotation("promote", r.error, {
          ...file && { place: { file, line: r.line } },
          prefix: `${formatReference(r.entry.source)} -> ${formatReference(r.entry.target)}: `
        })
      ),
      warnings,
      outputs: { succeeded: String(results.length - failed.length), failed: String(failed.length) },
      summary: batchSummaryMarkdown(results, info)
    }
  );
}

// cli/commands/promote.ts
function promoteCommand(run) {
  return {
    builder: (y) => withBatchFlags(
      withCopyFlags(
        y.usage(
          "$0 promote <src> --to <repo> [--tag T]... [options]\n$0 promote --from-file <file> [options]\n\nPromote an image: copy it by digest, then write promotion tags and record history"
        ).positional("src", {
          type: "string",
          describe: "source: host/path:tag or host/path@digest"
        }).option("to", {
          type: "string",
          describe: "target repository: host/path, no tag (tags go in --tag); not with --from-file, whose entries name their targets"
        }).option("tag", {
          type: "string",
          array: true,
          nargs: 1,
          // one value per flag, else the positionals after it are swallowed
          describe: "tag to write (repeatable); default: the source tag"
        }).option("semver", {
          type: "boolean",
          default: false,
          describe: "derive X.Y.Z, X.Y, X and latest from the version tag (floating tags only for the highest release)"
        }).option("allow-overwrite", {
          type: "boolean",
          default: false,
          describe: "let a full-version or sha-* tag move to another digest"
        }).option("require-referrer", {
          type: "string",
          array: true,
          nargs: 1,
          describe: "refuse unless the source has a referrer of this artifact type (repeatable)"
        }).option("require-verified", {
          type: "string",
          array: true,
          nargs: 1,
          describe: "refuse unless the source digest's latest verification for this stage passed (repeatable; see attest)"
        }).option("max-age", {
          type: "string",
          describe: "with --require-verified: the verification must be younger than this (90s, 30m, 72h, 7d)"
        }).option("evidence-repo", {
          type: "string",
          describe: "read verifications from this repository (default: the source repository)"
        }).option("allow-held", {
          type: "string",
          describe: "promote a digest held in the target anyway; REASON is written down"
        }).option("override-freeze", {
          type: "string",
          describe: "promote into a frozen repository anyway; REASON is written down"
        }).option("audit-log", {
          type: "string",
          describe: "append one JSON line per promotion to this file"
        }).option("notify-url", {
          type: "string",
          describe: 'POST a JSON message (Slack-compatible "text") on success and failure'
        })
      )
    ),
    handler: (args) => run(args, (rt) => {
      if (args.fromFile === void 0) return promoteOne(rt, args);
      return runBatch(rt, { ...args, fromFile: args.fromFile });
    })
  };
}
async function promoteOne(rt, args) {
  if (!args.src || !args.to) {
    throw new UsageError("promote needs a source and --to <repository>, or --from-file");
  }
  const gates = gateFields(args);
  const provenance = provenanceFromEnv(rt.io.env);
  const progress = progressFor(rt, args.dryRun);
  const failure = {
    action: "promote",
    repository: args.to,
    source: args.src,
    dryRun: args.dryRun
  };
  try {
    const result = await reported(
      rt,
      args,
      failure,
      provenance,
      () => promote(
        rt.client(),
        {
          source: parseReference(args.src),
          target: parseTarget(args.to),
          ...args.tag?.length && { tags: args.tag },
          semver: args.semver,
          allowOverwrite: args.allowOverwrite,
          requireReferrers: args.requireReferrer ?? [],
          ...gates,
          copy: copyOptions(args, rt, progress.onEvent),
          provenance
        },
        { tool: `oci-promote/${version}` }
      ),
      (r) => auditEventFromPromotion(r, provenance)
    );
    return promoteOutput(result);
  } finally {
    progress.done();
  }
}
function parseTarget(to) {
  const ref = parseReference(to);
  if (ref.tag === void 0 && ref.digest === void 0) return ref;
  const repo = formatReference(repositoryOf(ref));
  const fix = ref.tag !== void 0 ? `write --to ${repo} --tag ${ref.tag}` : `write --to ${repo}; the digest comes from the source`;
  throw new InvalidReferenceError(
    `invalid --to ${JSON.stringify(to)}: --to takes a repository (host/path), not a tag or digest \u2014 ${fix}`
  );
}
function gateFields(args) {
  const stages = (args.requireVerified ?? []).map(parseStage);
  for (const [flag, value] of [
    ["--max-age", args.maxAge],
    ["--evidence-repo", args.evidenceRepo]
  ]) {
    if (value !== void 0 && stages.length === 0) {
      throw new UsageError(`${flag} applies to --require-verified: name a stage`);
    }
  }
  return {
    ...stages.length > 0 && { requireVerified: stages },
    ...args.maxAge !== void 0 && { maxAgeMs: parseDuration(args.maxAge, "--max-age") },
    ...args.evidenceRepo !== void 0 && {
      evidenceRepository: parseRepository(args.evidenceRepo)
    },
    ...args.allowHeld !== void 0 && { allowHeld: parseText(args.allowHeld, "--allow-held") },
    ...args.overrideFreeze !== void 0 && {
      overrideFreeze: parseText(args.overrideFreeze, "--override-freeze")
    }
  };
}
function promoteOutput(r) {
  const dry = r.dryRun;
  const lines = [
    `${r.dryRun ? "Would promote" : r.tags.some((t) => t.action !== "unchanged") ? "Promoted" : "Already promoted:"} ${r.source}`,
    `  to        ${r.repository}@${r.digest}`,
    ...r.tags.map(
      (t) => `  tag       ${t.tag.padEnd(12)} ${done(t.action, dry)}${t.previousDigest && t.action !== "unchanged" ? ` (was ${shortDigest(t.previousDigest)})` : ""}${t.reason ? ` \u2014 ${t.reason}` : ""}`
    ),
    `  copy      ${r.copy.manifests.copied} manifest(s) and ${r.copy.blobs.copied} blob(s) ${done("copied", dry)} (${formatBytes(r.copy.bytesCopied)}), ${r.copy.blobs.mounted} ${done("mounted", dry)}, ${r.copy.manifests.skipped + r.copy.blobs.skipped} already present`
  ];
  if (r.record) lines.push(`  record    ${r.record}`);
  if (r.conflicts.length === 0) return { json: r, text: lines };
  const moved = r.conflicts.map((c) => `${c.tag} now points to ${c.found ?? "nothing"}`).join("; ");
  return {
    json: r,
    text: lines,
    exitCode: 1,
    failure: failureLine(
      "ERR_TAG_CONFLICT",
      `another writer moved tags right after this promotion wrote them: ${moved}`
    )
  };
}
export {
  gateFields,
  parseTarget,
  promoteCommand,
  promoteOutput
};
