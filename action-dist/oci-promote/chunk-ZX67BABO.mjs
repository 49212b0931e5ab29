import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  reportToGitHub
} from "./chunk-LMJM2V7G.mjs";
import {
  appendAuditLog,
  auditEventFromFailure,
  checkAuditLog,
  notify,
  notifyUrlOrigin
} from "./chunk-LJTWE54T.mjs";

// cli/report.ts
async function checkReportFlags(rt, flags) {
  if (flags.notifyUrl) {
    notifyUrlOrigin(flags.notifyUrl);
    rt.secrets.addUrl(flags.notifyUrl);
    notifyOptions(rt);
  }
  if (flags.auditLog) await checkAuditLog(flags.auditLog);
}
function notifyOptions(rt) {
  const { ca, insecure, timeouts, userAgent } = rt.transportOptions();
  return {
    ...ca !== void 0 && { ca },
    ...insecure !== void 0 && { insecure },
    ...timeouts && { timeouts },
    ...userAgent && { userAgent },
    ...rt.signal && { signal: rt.signal }
  };
}
async function recordEvent(rt, flags, unmasked, fields = {}) {
  if (!flags.auditLog && !flags.notifyUrl) return void 0;
  const event = rt.secrets.redactValue(unmasked);
  if (flags.auditLog) {
    try {
      await appendAuditLog(flags.auditLog, event);
    } catch (e) {
      if (event.ok) throw e;
      rt.logger.error(fields, e.message);
    }
  }
  if (!flags.notifyUrl) return void 0;
  const n = await notify(flags.notifyUrl, event, notifyOptions(rt));
  if (n.ok || !n.error) return void 0;
  rt.logger.warn(fields, n.error);
  return n.error;
}
async function reported(rt, flags, failure, provenance, action, eventOf) {
  await checkReportFlags(rt, flags);
  let result;
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
function reportToGitHubAfter(rt, command, warning, outcome) {
  return reportToGitHub({
    env: rt.io.env,
    command,
    ...outcome,
    warnings: warning ? [warning] : [],
    stderr: rt.io.stderr,
    redact: (text) => rt.secrets.redact(text)
  });
}

export {
  checkReportFlags,
  recordEvent,
  reported
};
