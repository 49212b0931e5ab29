/**
 * What happens around attest, hold, release, freeze and unfreeze, on success and on
 * failure: one audit event per action (report.ts recordEvent, masked as for promotions),
 * and in GitHub Actions the outputs `record`, `digest` (and `stage`, `result` for attest),
 * a step summary line, and an `::error::` annotation on failure.
 */
import {
  auditEventFromEvidence,
  auditEventFromFailure,
  type EvidenceResult,
  type FailureContext,
  type Provenance,
} from '../lib/index.js';
import { shortDigest } from './format.js';
import {
  errorAnnotation,
  failureMarkdown,
  type GitHubStep,
  mdCode,
  mdText,
  writeGitHubStep,
} from './github-actions.js';
import { checkReportFlags, type ReportFlags, recordEvent } from './report.js';
import type { CommandOutput, Runtime } from './runtime.js';

/** reportedEvidence runs an evidence action and reports its outcome (flags checked first). */
export async function reportedEvidence(
  rt: Runtime,
  flags: ReportFlags,
  failure: FailureContext,
  provenance: Provenance,
  action: () => Promise<EvidenceResult>,
): Promise<EvidenceResult> {
  await checkReportFlags(rt, flags);
  const command = failure.action;
  let result: EvidenceResult;
  try {
    result = await action();
  } catch (error) {
    const warning = await recordEvent(rt, flags, auditEventFromFailure(failure, error, provenance));
    await writeStep(rt, {
      command,
      errors: () => [errorAnnotation(command, error)],
      warnings: warning ? [warning] : [],
      summary: failureMarkdown(command, error),
    });
    throw error;
  }
  const warning = await recordEvent(rt, flags, auditEventFromEvidence(result, provenance));
  await writeStep(rt, {
    command,
    errors: () => [],
    warnings: warning ? [warning] : [],
    outputs: evidenceOutputs(result),
    summary: evidenceMarkdown(result),
  });
  return result;
}

function writeStep(rt: Runtime, step: GitHubStep): Promise<void> {
  return writeGitHubStep(
    { env: rt.io.env, stderr: rt.io.stderr, redact: (text) => rt.secrets.redact(text) },
    step,
  );
}

/** evidenceOutputs are the step outputs of an evidence action. */
export function evidenceOutputs(r: EvidenceResult): Record<string, string> {
  return {
    record: r.record ?? '',
    digest: r.digest ?? '',
    ...(r.stage !== undefined && { stage: r.stage }),
    ...(r.result !== undefined && { result: r.result }),
  };
}

const DONE: Record<string, [mark: string, done: string, planned: string]> = {
  attest: ['📝', 'Attested', 'Would attest'],
  hold: ['⛔', 'Held', 'Would hold'],
  release: ['🔓', 'Released', 'Would release'],
  freeze: ['🧊', 'Froze', 'Would freeze'],
  unfreeze: ['🌤️', 'Unfroze', 'Would unfreeze'],
};

const subject = (r: EvidenceResult) => (r.digest ? `${r.repository}@${r.digest}` : r.repository);

/** what says what was recorded: a stage's verdict, or the reason (and until). */
function what(r: EvidenceResult): string {
  if (r.action === 'attest') return `${r.stage ?? '?'} ${r.result ?? '?'}`;
  return `${r.until ? `until ${r.until}: ` : ''}${r.reason ?? ''}`;
}

/** evidenceMarkdown is the step summary section of an evidence action. */
export function evidenceMarkdown(r: EvidenceResult): string {
  const [mark, done, planned] = DONE[r.action] ?? ['•', r.action, r.action];
  const verb = r.dryRun ? `${planned} (dry run, nothing written)` : done;
  const record = r.record ? ` — record ${mdCode(r.record)}` : '';
  return `### ${mark} ${verb} ${mdCode(subject(r))}\n\n${mdText(what(r))}${record}\n`;
}

/** evidenceOutput renders an evidence result for the terminal (`--json`: the result). */
export function evidenceOutput(r: EvidenceResult): CommandOutput {
  const [, done, planned] = DONE[r.action] ?? ['', r.action, r.action];
  const text = [
    `${r.dryRun ? planned : done} ${r.digest ? `${r.repository}@${shortDigest(r.digest)}` : r.repository}: ${what(r)}`,
    ...(r.digest ? [`  digest    ${r.digest}`] : []),
    ...(r.record ? [`  record    ${r.record}`] : []),
    `  time      ${r.time}`,
  ];
  return { json: r, text };
}
