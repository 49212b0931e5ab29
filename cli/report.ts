/**
 * What happens around a promote or rollback, and around each entry of a batch: the audit
 * log line, the notification and the GitHub Actions report, on success and on failure.
 * A notification that cannot be delivered is a warning; an audit log that cannot be
 * written after a failure is logged and never hides the failure itself. Every secret the
 * process holds is masked in all of them (secrets.ts). cli/batch.ts reports each entry
 * through recordEvent and the batch through writeGitHubStep, as `reported` does here.
 */
import {
  type AuditEvent,
  appendAuditLog,
  auditEventFromFailure,
  checkAuditLog,
  type FailureContext,
  type NotifyOptions,
  notify,
  notifyUrlOrigin,
  type Provenance,
} from '../lib/index.js';
import { type ActionResult, reportToGitHub } from './github-actions.js';
import type { Runtime } from './runtime.js';

/** ReportFlags are the flags that ask for reports. */
export interface ReportFlags {
  auditLog?: string;
  notifyUrl?: string;
}

/**
 * checkReportFlags checks the notify URL and the audit log before anything is written,
 * so a typo fails (exit 2) first; the URL is a secret from then on (masked wherever
 * something echoes it).
 */
export async function checkReportFlags(rt: Runtime, flags: ReportFlags): Promise<void> {
  if (flags.notifyUrl) {
    notifyUrlOrigin(flags.notifyUrl);
    rt.secrets.addUrl(flags.notifyUrl);
    notifyOptions(rt); // reads --ca-file now: unreadable, it must not fail a report later
  }
  if (flags.auditLog) await checkAuditLog(flags.auditLog);
}

/**
 * notifyOptions: a notification goes through the same TLS settings (`--ca-file`,
 * `--insecure`) and timeouts as the registries.
 */
function notifyOptions(rt: Runtime): NotifyOptions {
  const { ca, insecure, timeouts, userAgent } = rt.transportOptions();
  return {
    ...(ca !== undefined && { ca }),
    ...(insecure !== undefined && { insecure }),
    ...(timeouts && { timeouts }),
    ...(userAgent && { userAgent }),
    ...(rt.signal && { signal: rt.signal }),
  };
}

/**
 * recordEvent masks the event, appends it to the audit log and sends the notification.
 * An audit log that cannot be written throws for an event that succeeded (the action
 * must not look recorded) and is logged for a failed one. Returns the warning of an
 * undelivered notification, already logged with `fields`.
 */
export async function recordEvent(
  rt: Runtime,
  flags: ReportFlags,
  unmasked: AuditEvent,
  fields: Record<string, unknown> = {},
): Promise<string | undefined> {
  if (!flags.auditLog && !flags.notifyUrl) return undefined;
  // The event quotes error messages, which may quote a registry that echoed a secret.
  const event = rt.secrets.redactValue(unmasked);
  if (flags.auditLog) {
    try {
      await appendAuditLog(flags.auditLog, event);
    } catch (e) {
      if (event.ok) throw e;
      rt.logger.error(fields, (e as Error).message);
    }
  }
  if (!flags.notifyUrl) return undefined;
  const n = await notify(flags.notifyUrl, event, notifyOptions(rt));
  if (n.ok || !n.error) return undefined;
  rt.logger.warn(fields, n.error);
  return n.error;
}

/** reported runs an action and reports its outcome (checkReportFlags first). */
export async function reported<R extends ActionResult>(
  rt: Runtime,
  flags: ReportFlags,
  failure: FailureContext & { action: 'promote' | 'rollback' },
  provenance: Provenance,
  action: () => Promise<R>,
  eventOf: (result: R) => AuditEvent,
): Promise<R> {
  await checkReportFlags(rt, flags);
  let result: R;
  try {
    result = await action();
  } catch (error) {
    const event = auditEventFromFailure(failure, error, provenance);
    await reportToGitHubAfter(rt, failure.action, await recordEvent(rt, flags, event), { error });
    throw error;
  }
  const warning = await recordEvent(rt, flags, eventOf(result));
  await reportToGitHubAfter(rt, failure.action, warning, { result });
  return result;
}

function reportToGitHubAfter(
  rt: Runtime,
  command: 'promote' | 'rollback',
  warning: string | undefined,
  outcome: { result: ActionResult } | { error: unknown },
): Promise<void> {
  return reportToGitHub({
    env: rt.io.env,
    command,
    ...outcome,
    warnings: warning ? [warning] : [],
    stderr: rt.io.stderr,
    redact: (text) => rt.secrets.redact(text),
  });
}
