/**
 * What happens around a promote or rollback: the audit log line, the notification and
 * the GitHub Actions report, on success and on failure. A notification that cannot be
 * delivered is a warning; an audit log that cannot be written after a failure is logged
 * and never hides the failure itself. Every secret the process holds is masked in all of
 * them (secrets.ts).
 */
import {
  type AuditEvent,
  appendAuditLog,
  auditEventFromFailure,
  checkAuditLog,
  type FailureContext,
  notify,
  notifyUrlOrigin,
  type Provenance,
} from '../lib/index.js';
import { type ActionResult, reportToGitHub } from './github-actions.js';
import type { Runtime } from './runtime.js';
import { version } from './version.js';

/** ReportFlags are the flags that ask for reports. */
export interface ReportFlags {
  auditLog?: string;
  notifyUrl?: string;
}

/**
 * reported runs an action and reports its outcome. The audit log and notify URL are
 * checked first, so a typo fails (exit 2) before anything is written.
 */
export async function reported<R extends ActionResult>(
  rt: Runtime,
  flags: ReportFlags,
  failure: FailureContext & { action: 'promote' | 'rollback' },
  provenance: Provenance,
  action: () => Promise<R>,
  eventOf: (result: R) => AuditEvent,
): Promise<R> {
  if (flags.notifyUrl) {
    notifyUrlOrigin(flags.notifyUrl);
    // A webhook URL is a secret: masked wherever something echoes it.
    rt.secrets.addUrl(flags.notifyUrl);
  }
  if (flags.auditLog) await checkAuditLog(flags.auditLog);
  let result: R;
  try {
    result = await action();
  } catch (error) {
    await report(rt, failure.action, flags, auditEventFromFailure(failure, error, provenance), {
      error,
    });
    throw error;
  }
  await report(rt, failure.action, flags, eventOf(result), { result });
  return result;
}

async function report(
  rt: Runtime,
  command: 'promote' | 'rollback',
  flags: ReportFlags,
  unmasked: AuditEvent,
  outcome: { result: ActionResult } | { error: unknown },
): Promise<void> {
  const failed = 'error' in outcome;
  // The event quotes error messages, which may quote a registry that echoed a secret.
  const event = rt.secrets.redactValue(unmasked);
  if (flags.auditLog) {
    try {
      await appendAuditLog(flags.auditLog, event);
    } catch (e) {
      if (!failed) throw e;
      rt.logger.error({}, (e as Error).message);
    }
  }
  const warnings: string[] = [];
  if (flags.notifyUrl) {
    const n = await notify(flags.notifyUrl, event, {
      ...(rt.signal && { signal: rt.signal }),
      userAgent: `oci-promote/${version}`,
    });
    if (!n.ok && n.error) {
      rt.logger.warn({}, n.error);
      warnings.push(n.error);
    }
  }
  await reportToGitHub({
    env: rt.io.env,
    command,
    ...outcome,
    warnings,
    stderr: rt.io.stderr,
    redact: (text) => rt.secrets.redact(text),
  });
}
