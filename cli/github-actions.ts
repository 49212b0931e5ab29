/**
 * GitHub Actions reporting for `promote` and `rollback` (docs/github-actions.md; the
 * evidence commands report through evidence-report.ts with the same writer):
 * - `$GITHUB_OUTPUT`: step outputs `digest`, `tags`, `previous-digest`;
 * - `$GITHUB_STEP_SUMMARY`: a Markdown summary (what moved where, a table of tags);
 * - with `GITHUB_ACTIONS=true`: failures and tag conflicts as `::error::` annotations,
 *   other warnings (e.g. an undelivered notification) as `::warning::` annotations.
 *
 * Annotations go to **stderr**. GitHub's documentation says workflow commands are read
 * from stdout, but the runner parses both streams of a `run:` step (actions/runner
 * `ScriptHandler.cs` attaches an `OutputManager` to stdout and another to stderr, both
 * feeding the same `ActionCommandManager`), and stdout must carry nothing but the JSON
 * document under `--json`.
 *
 * The small functions are pure (and unit-tested); `writeGitHubStep` does the writing, for a
 * single action (`reportToGitHub`) and for a batch (cli/batch.ts) alike.
 */
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { type ErrorSummary, errorSummary, OciPromoteError, refusalGate } from '../lib/index.js';
import { failureText, hintFor } from './exit-codes.js';
import { escapeText, formatBytes } from './format.js';

// The shapes read here are those of the library's PromotionResult and RollbackResult
// (lib/promote/types.ts); only the fields used are named, so those results fit as they are.

/** One tag's outcome, as in PromotionResult `tags[]`. */
export interface ReportedTag {
  tag: string;
  action: 'created' | 'moved' | 'unchanged';
  previousDigest: string | null;
  /** Why a tag was left where it is (e.g. a higher release holds `latest`). */
  reason?: string;
}

/** A tag another writer moved right after this run wrote it. */
export interface ReportedConflict {
  tag: string;
  expected: string;
  found: string | null;
}

/** What a promotion did: PromotionResult fits. */
export interface PromotionReport {
  source: string;
  digest: string;
  repository: string;
  tags: readonly ReportedTag[];
  copy?: {
    manifests: { copied: number; skipped: number };
    blobs: { copied: number; mounted: number; skipped: number };
    bytesCopied: number;
    referrers?: readonly { action: string }[];
  };
  record: string | null;
  conflicts?: readonly ReportedConflict[];
  dryRun: boolean;
}

/** What a rollback did: RollbackResult fits. */
export interface RollbackReport {
  repository: string;
  tag: string;
  digest: string;
  previousDigest: string;
  record: string | null;
  /** The hold record written on `previousDigest`, or null. */
  hold?: string | null;
  conflicts?: readonly ReportedConflict[];
  dryRun: boolean;
}

/** Either result. */
export type ActionResult = PromotionReport | RollbackReport;

const isPromotion = (r: ActionResult): r is PromotionReport => 'tags' in r;

/** The step outputs, by name. */
export type StepOutputs = {
  digest: string;
  /** Comma-separated tags that point to the digest now: written, or already there (rollback: the tag). */
  tags: string;
  /** Promote: what the first tag that moved pointed to, else empty. Rollback: the digest before. */
  'previous-digest': string;
};

/**
 * tagsAtDigest lists the tags a promotion leaves on its digest: those it created or moved
 * and those already there — not a floating tag left on a higher release.
 */
export function tagsAtDigest(result: PromotionReport): string[] {
  return result.tags
    .filter((t) => t.action !== 'unchanged' || t.previousDigest === result.digest)
    .map((t) => t.tag);
}

/** outputValues maps a result to the step outputs. */
export function outputValues(result: ActionResult): StepOutputs {
  if (isPromotion(result)) {
    const moved = result.tags.find((t) => t.action === 'moved');
    return {
      digest: result.digest,
      tags: tagsAtDigest(result).join(','),
      'previous-digest': moved?.previousDigest ?? '',
    };
  }
  return { digest: result.digest, tags: result.tag, 'previous-digest': result.previousDigest };
}

/**
 * outputLines renders step outputs in the `$GITHUB_OUTPUT` file format: `name=value`, or
 * `name<<DELIMITER` / value / `DELIMITER` for a value with a line break (the delimiter is
 * random and checked not to occur in the value).
 */
export function outputLines(
  outputs: Readonly<Record<string, string>>,
  delimiter: () => string = () => `ghadelimiter_${randomUUID()}`,
): string[] {
  const lines: string[] = [];
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

// ---------------------------------------------------------------------------------------------
// Step summary (GitHub-flavoured Markdown)

/**
 * mdText escapes text for Markdown: no HTML, no emphasis, no links, no table breaks, no
 * raw control characters (format.ts escapeText).
 */
export function mdText(s: string): string {
  return escapeText(
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([\\`*_[\]|~#!])/g, '\\$1')
      .replace(/\s*[\r\n]+\s*/g, ' '),
  );
}

/**
 * mdCode renders a code span safe inside a table cell. Its fence is one backtick longer
 * than the longest run of backticks in the text (CommonMark: a span closes only at a run
 * of exactly its fence's length), so registry text cannot close it early.
 */
export function mdCode(s: string): string {
  const text = escapeText(s.replace(/[\r\n]+/g, ' ')).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** summaryMarkdown renders a result as a step summary section. */
export function summaryMarkdown(result: ActionResult): string {
  const lines: string[] = [];
  const dry = result.dryRun;
  if (isPromotion(result)) {
    const changed = result.tags.some((t) => t.action !== 'unchanged');
    const heading = dry
      ? `### 🧪 Promotion to ${mdCode(result.repository)} planned (dry run, nothing written)`
      : changed
        ? `### ✅ Promoted to ${mdCode(result.repository)}`
        : `### ✅ Already promoted to ${mdCode(result.repository)} (no tag changed)`;
    lines.push(heading, '', row(['', '']), row(['---', '---']));
    lines.push(row(['source', mdCode(result.source)]));
    lines.push(row(['digest', mdCode(result.digest)]));
    lines.push(row(['repository', mdCode(result.repository)]));
    const c = result.copy;
    if (c) {
      lines.push(
        row([
          dry ? 'to copy' : 'copied',
          `${plural(c.manifests.copied, 'manifest')}, ${plural(c.blobs.copied, 'blob')} (${formatBytes(c.bytesCopied)}), ` +
            `${c.blobs.mounted} mounted; ${c.manifests.skipped + c.blobs.skipped} already present`,
        ]),
      );
      if (c.referrers && c.referrers.length > 0) {
        const copied = c.referrers.filter((r) => r.action === 'copied').length;
        lines.push(
          row(['referrers', `${copied} copied, ${c.referrers.length - copied} already present`]),
        );
      }
    }
    lines.push(row(['history record', result.record ? mdCode(result.record) : '—']));
    lines.push('', row(['tag', 'action', 'previous digest']), row(['---', '---', '---']));
    for (const t of result.tags) {
      lines.push(
        row([
          mdCode(t.tag),
          `${dry && t.action !== 'unchanged' ? `${t.action} (planned)` : t.action}${t.reason ? ` — ${mdText(t.reason)}` : ''}`,
          t.previousDigest ? mdCode(t.previousDigest) : '—',
        ]),
      );
    }
  } else {
    const target = `${result.repository}:${result.tag}`;
    lines.push(
      dry
        ? `### 🧪 Rollback of ${mdCode(target)} planned (dry run, nothing written)`
        : `### ↩️ Rolled back ${mdCode(target)}`,
      '',
      row(['tag', 'now', 'before']),
      row(['---', '---', '---']),
      row([mdCode(result.tag), mdCode(result.digest), mdCode(result.previousDigest)]),
      '',
      `History record: ${result.record ? mdCode(result.record) : '—'}`,
      ...(result.hold
        ? [
            '',
            `⛔ ${mdCode(result.previousDigest)} is held (record ${mdCode(result.hold)}): no promotion brings it back until \`oci-promote release\`.`,
          ]
        : []),
    );
  }
  const conflicts = result.conflicts ?? [];
  if (conflicts.length > 0) {
    lines.push('', '> ⚠️ **Moved by another writer** right after this run wrote them:');
    for (const c of conflicts) {
      lines.push(
        `> - ${mdCode(c.tag)}: expected ${mdCode(c.expected)}, found ${c.found ? mdCode(c.found) : 'no tag'}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * failureMarkdown renders a failure as a step summary section; a refusal by a hold, a
 * freeze or an unverified stage says which gate refused.
 */
export function failureMarkdown(command: string, err: unknown): string {
  const { code, message } = errorSummary(err);
  const hint = hintFor(code);
  const gate = refusalGate({ code });
  return [
    gate
      ? `### 🚫 oci-promote ${mdText(command)} refused by ${gate}`
      : `### ❌ oci-promote ${mdText(command)} failed`,
    '',
    mdText(message),
    '',
    `${mdCode(code)}${hint ? ` — ${mdText(hint)}` : ''}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Workflow commands (annotations)

/**
 * The workflow commands this process built and has not printed yet. The output guard
 * (output-guard.ts) lets a line start with `::` only when it is one of these: whatever
 * else reaches stdout or stderr (registry text above all) cannot command the runner.
 */
const issued = new Set<string>();

/** takeIssuedCommand tells whether `line` is a command built here, and forgets it. */
export function takeIssuedCommand(line: string): boolean {
  return issued.delete(line);
}

/**
 * workflowCommand builds `::name k=v,…::message` with properties and message escaped,
 * and marks it as the tool's own.
 */
export function workflowCommand(
  name: 'error' | 'warning' | 'notice',
  properties: Record<string, string | number | undefined>,
  message: string,
): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  const line = `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
  issued.add(line);
  return line;
}

/** escapeData escapes a workflow command's message: `%`, CR and LF. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** escapeProperty escapes a workflow command's property value: also `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Where an annotation points: a file and line (a promotions file entry). */
export interface AnnotationPlace {
  file: string;
  line: number;
}

/**
 * failureAnnotation is the `::error::` workflow command for a failure, titled
 * `oci-promote <command>` (`oci-promote <command> refused by <gate>` for a refusal by a
 * hold, a freeze or an unverified stage), carrying the same text as the CLI's stderr
 * line, `<message> — <hint> [<code>]`, after `prefix` (e.g. which entry of a batch failed).
 */
export function failureAnnotation(
  command: string,
  failure: ErrorSummary,
  where: { place?: AnnotationPlace; prefix?: string } = {},
): string {
  const gate = refusalGate(failure);
  return workflowCommand(
    'error',
    { ...where.place, title: `oci-promote ${command}${gate ? ` refused by ${gate}` : ''}` },
    `${where.prefix ?? ''}${failureText(failure)}`,
  );
}

/** errorAnnotation is the failureAnnotation of what was thrown. */
export function errorAnnotation(command: string, err: unknown): string {
  return failureAnnotation(command, errorSummary(err));
}

/** messageAnnotation is an `::error::`, `::warning::` or `::notice::` titled `oci-promote <command>`. */
export function messageAnnotation(
  level: 'error' | 'warning' | 'notice',
  command: string,
  message: string,
): string {
  const text = message.trim().replace(/\s*\n\s*/g, ' ');
  return workflowCommand(level, { title: `oci-promote ${command}` }, text);
}

/** warningAnnotation is a `::warning::` titled `oci-promote <command>`. */
export function warningAnnotation(command: string, message: string): string {
  return messageAnnotation('warning', command, message);
}

/**
 * conflictMessages describes tags another writer moved, one message per tag. The CLI
 * fails such a run (exit 1), so they are reported as errors.
 */
export function conflictMessages(result: ActionResult): string[] {
  return (result.conflicts ?? []).map(
    (c) =>
      `tag ${c.tag} was moved by another writer right after this run wrote it: expected ${c.expected}, found ${c.found ?? 'no tag'}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Writing

/** GitHubOutputError: `$GITHUB_OUTPUT` or `$GITHUB_STEP_SUMMARY` could not be written. */
export class GitHubOutputError extends OciPromoteError {
  override readonly code = 'ERR_GITHUB_OUTPUT';
}

/** What reportToGitHub needs. */
export interface GitHubReport {
  /** The environment (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ACTIONS are read). */
  env: Readonly<Record<string, string | undefined>>;
  /** `promote` or `rollback` (names the annotations and the failure summary). */
  command: string;
  /** The result, on success. */
  result?: ActionResult;
  /** What was thrown, on failure. */
  error?: unknown;
  /** Extra warnings (e.g. a notification that was not delivered): annotations and summary lines. */
  warnings?: readonly string[];
  /** Where annotations go (guarded: output-guard.ts masks secrets there). */
  stderr: NodeJS.WritableStream;
  /** Masks secrets in what is written to the files (Runtime.secrets). */
  redact?: (text: string) => string;
}

/** GitHubStep is what one run reports to GitHub Actions, built; writeGitHubStep writes it. */
export interface GitHubStep {
  /** Names the warning annotations: `oci-promote <command>`. */
  command: string;
  /**
   * Builds the `::error::` annotations (failureAnnotation, messageAnnotation); called only
   * when they are printed, as the output guard lets through every command built.
   */
  errors: () => readonly string[];
  /** Warnings (e.g. a notification that was not delivered): annotations and summary lines. */
  warnings: readonly string[];
  /** Step outputs, by name (none on failure). */
  outputs?: Readonly<Record<string, string>>;
  /** The step summary section (Markdown), before the warnings. */
  summary?: string;
}

/**
 * appendGitHubFile appends `text`, with secrets masked by `redact`, to the file a GitHub
 * Actions variable names (`path` is its value); throws GitHubOutputError naming
 * `variable` when the file cannot be written.
 */
export async function appendGitHubFile(
  variable: string,
  path: string,
  text: string,
  redact: (text: string) => string = (s) => s,
): Promise<void> {
  try {
    await appendFile(path, redact(text), { encoding: 'utf8' });
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new GitHubOutputError(`cannot write ${variable} (${path}): ${reason}`, { cause: e });
  }
}

/**
 * writeGitHubStep writes a step's report through whatever the environment provides:
 * annotations on stderr with `GITHUB_ACTIONS=true`, outputs to `$GITHUB_OUTPUT`, the
 * summary and warnings to `$GITHUB_STEP_SUMMARY`; outside GitHub Actions (none of the
 * variables set) it does nothing. Secrets are masked by `redact` in the files (stderr
 * is guarded by output-guard.ts). Throws GitHubOutputError when a file cannot be written:
 * a step whose outputs are missing would mislead the jobs after it.
 */
export async function writeGitHubStep(
  io: Pick<GitHubReport, 'env' | 'stderr' | 'redact'>,
  step: GitHubStep,
): Promise<void> {
  const { env, stderr, redact } = io;
  if (env.GITHUB_ACTIONS === 'true') {
    for (const line of step.errors()) stderr.write(`${line}\n`);
    for (const w of step.warnings) {
      stderr.write(`${messageAnnotation('warning', step.command, w)}\n`);
    }
  }
  if (env.GITHUB_OUTPUT && step.outputs) {
    const lines = outputLines(step.outputs);
    await appendGitHubFile('GITHUB_OUTPUT', env.GITHUB_OUTPUT, `${lines.join('\n')}\n`, redact);
  }
  if (env.GITHUB_STEP_SUMMARY) {
    let md = step.summary ?? '';
    const extra = step.warnings.map((w) => `> ⚠️ ${mdText(w)}`);
    if (extra.length > 0) md += `\n${extra.join('\n')}\n`;
    if (md) {
      await appendGitHubFile('GITHUB_STEP_SUMMARY', env.GITHUB_STEP_SUMMARY, `${md}\n`, redact);
    }
  }
}

/**
 * reportToGitHub reports a promote or rollback result, or its failure, to GitHub Actions
 * (writeGitHubStep). Outputs are written on success, and on a refusal by a gate the one
 * output `refused` (`hold`, `freeze` or `require-verified`), for a later step's `if:`.
 */
export async function reportToGitHub(report: GitHubReport): Promise<void> {
  const { command, result, error } = report;
  await writeGitHubStep(report, {
    command,
    errors: () =>
      result
        ? conflictMessages(result).map((c) => messageAnnotation('error', command, c))
        : error !== undefined
          ? [errorAnnotation(command, error)]
          : [],
    warnings: report.warnings ?? [],
    ...(result && { outputs: outputValues(result), summary: summaryMarkdown(result) }),
    ...(!result && error !== undefined && refusalOutputs(error)),
    ...(!result && error !== undefined && { summary: failureMarkdown(command, error) }),
  });
}

/** refusalOutputs: `{outputs: {refused: gate}}` for a gate's refusal, else nothing. */
export function refusalOutputs(error: unknown): Pick<GitHubStep, 'outputs'> {
  const gate = refusalGate(error);
  return gate ? { outputs: { refused: gate } } : {};
}
