/**
 * Audit trail outside the registry: one JSON object per action (promote, rollback,
 * prune), appended as one line to a local file (`--audit-log`) and/or POSTed to a
 * webhook (`--notify-url`, Slack-compatible `text`).
 *
 * Events carry no secrets of their own: references, digests, tags, actor and run URL,
 * and error messages with URLs stripped of credentials. An error message may still quote
 * a registry that echoed a secret back, so the caller masks the secrets it holds in the
 * event before writing or sending it (the CLI does, through its secret set). A notification URL may itself be
 * a secret (Slack webhook URLs are), so nothing here ever prints it: errors name its
 * origin only.
 */
import { open } from 'node:fs/promises';
import { type Dispatcher, request } from 'undici';
import type { Digest } from '../digest.js';
import { isOciPromoteError, OciPromoteError, UsageError } from '../errors.js';
import type {
  PromotionResult,
  Provenance,
  PruneResult,
  RollbackResult,
  TagChange,
  TagConflict,
} from './types.js';

/** AuditAction is what an audit event is about. */
export type AuditAction = 'promote' | 'rollback' | 'prune';

/** AuditError is the failure an event reports: the error's stable code and one-line message. */
export interface AuditError {
  code: string;
  message: string;
}

/** AuditEvent is one action, as one JSON object (one line of the audit log). */
export interface AuditEvent {
  /** ISO 8601 time the event was built (UTC). */
  time: string;
  action: AuditAction;
  ok: boolean;
  dryRun: boolean;
  /** The target repository. */
  repository: string;
  /** Promote: the source reference (with digest when resolved). */
  source?: string;
  /** Rollback: the tag rolled back. */
  tag?: string;
  /** Promote: the promoted digest. Rollback: the digest the tag points to now. */
  digest?: Digest;
  /** Promote: each tag's outcome. */
  tags?: TagChange[];
  /** Rollback: the digest the tag pointed to before. */
  previousDigest?: Digest | null;
  /** Digest of the history record pushed to the registry, or null when none was. */
  record?: Digest | null;
  /** Tags another writer moved right after this action wrote them (only when there are any). */
  conflicts?: TagConflict[];
  /** Prune: history records dropped from the ledger. */
  removedRecords?: Digest[];
  /** Prune: image manifests deleted. */
  deleted?: Digest[];
  /** Prune: history record artifacts deleted. */
  deletedRecords?: Digest[];
  /** Prune: dropped ledger entries that were not verifiably oci-promote's records. */
  ignoredRecords?: Digest[];
  /** Prune: why deletion was skipped, when it was. */
  deletionSkipped?: string | null;
  actor?: string;
  runUrl?: string;
  /** Set when `ok` is false. */
  error?: AuditError;
}

/** What a failed action was about, for auditFailureEvent. */
export interface FailureContext {
  action: AuditAction;
  /** The target repository (as given, when it could not be parsed). */
  repository: string;
  source?: string;
  tag?: string;
  dryRun?: boolean;
}

const MAX_MESSAGE = 2000;

function provenanceFields(p: Provenance | undefined): Pick<AuditEvent, 'actor' | 'runUrl'> {
  return { ...(p?.actor && { actor: p.actor }), ...(p?.runUrl && { runUrl: p.runUrl }) };
}

/** auditEventFromPromotion records a promotion (or, dry, its plan). */
export function auditEventFromPromotion(
  result: PromotionResult,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    time: now.toISOString(),
    action: 'promote',
    ok: true,
    dryRun: result.dryRun,
    repository: result.repository,
    source: result.source,
    digest: result.digest,
    tags: result.tags.map((t) => ({ ...t })),
    record: result.record,
    ...(result.conflicts.length > 0 && { conflicts: result.conflicts.map((c) => ({ ...c })) }),
    ...provenanceFields(provenance),
  };
}

/** auditEventFromRollback records a rollback. */
export function auditEventFromRollback(
  result: RollbackResult,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    time: now.toISOString(),
    action: 'rollback',
    ok: true,
    dryRun: result.dryRun,
    repository: result.repository,
    tag: result.tag,
    digest: result.digest,
    previousDigest: result.previousDigest,
    record: result.record,
    ...(result.conflicts.length > 0 && { conflicts: result.conflicts.map((c) => ({ ...c })) }),
    ...provenanceFields(provenance),
  };
}

/** auditEventFromPrune records a retention run. */
export function auditEventFromPrune(
  result: PruneResult,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    time: now.toISOString(),
    action: 'prune',
    ok: true,
    dryRun: result.dryRun,
    repository: result.repository,
    removedRecords: [...result.removedRecords],
    deleted: [...result.deleted],
    deletedRecords: [...result.deletedRecords],
    ignoredRecords: [...result.ignoredRecords],
    deletionSkipped: result.deletionSkipped,
    ...provenanceFields(provenance),
  };
}

/** auditEventFromFailure records an action that failed (or was refused). */
export function auditEventFromFailure(
  context: FailureContext,
  error: unknown,
  provenance?: Provenance,
  now: Date = new Date(),
): AuditEvent {
  return {
    time: now.toISOString(),
    action: context.action,
    ok: false,
    dryRun: context.dryRun ?? false,
    repository: context.repository,
    ...(context.source !== undefined && { source: context.source }),
    ...(context.tag !== undefined && { tag: context.tag }),
    ...provenanceFields(provenance),
    error: auditError(error),
  };
}

/** auditError reduces anything thrown to `{code, message}`: a stable code and one line. */
export function auditError(e: unknown): AuditError {
  const code = isOciPromoteError(e) ? e.code : 'ERR_UNEXPECTED';
  let message = (e instanceof Error ? e.message : String(e)).trim().replace(/\s*\n\s*/g, ' ');
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 1)}…`;
  return { code, message };
}

// ---------------------------------------------------------------------------------------------
// Audit log file

/** AuditLogError: the audit log file could not be opened or written. */
export class AuditLogError extends OciPromoteError {
  override readonly code = 'ERR_AUDIT_LOG';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot append to audit log ${path}: ${ioReason(cause)}`, { cause });
  }
}

function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * appendAuditLog appends the event to the file at `path` as one line: the file is
 * opened with O_APPEND (created with mode 0644 when missing, less the umask) and the
 * line is handed to one `write`, so concurrent writers (processes or promises) never
 * interleave inside a line. The folder must exist. Throws AuditLogError.
 */
export async function appendAuditLog(path: string, event: AuditEvent): Promise<void> {
  const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'a', 0o644);
  } catch (e) {
    throw new AuditLogError(path, e);
  }
  try {
    let offset = 0;
    // One write for a regular file; the loop only guards against a short write.
    while (offset < line.length) {
      const { bytesWritten } = await fh.write(line, offset, line.length - offset);
      offset += bytesWritten;
    }
  } catch (e) {
    throw new AuditLogError(path, e);
  } finally {
    await fh.close().catch(() => {});
  }
}

/**
 * checkAuditLog opens the file for appending (creating it, empty, when missing) and
 * closes it: call it before an action so an unwritable `--audit-log` path refuses the
 * run (UsageError, exit 2) instead of failing after tags have moved.
 */
export async function checkAuditLog(path: string): Promise<void> {
  try {
    const fh = await open(path, 'a', 0o644);
    await fh.close();
  } catch (e) {
    throw new UsageError(`cannot append to audit log ${path}: ${ioReason(e)}`, { cause: e });
  }
}

// ---------------------------------------------------------------------------------------------
// Notifications

/** NotifyOptions tune one notification. */
export interface NotifyOptions {
  signal?: AbortSignal;
  /** Whole request, headers and body (default 10 s). */
  timeoutMs?: number;
  /** undici dispatcher (e.g. an EnvHttpProxyAgent); default: undici's global one. */
  dispatcher?: Dispatcher;
  userAgent?: string;
}

/** NotifyResult says whether the webhook took the message; it never throws. */
export interface NotifyResult {
  ok: boolean;
  /** HTTP status, when the server answered. */
  status?: number;
  /** What went wrong, naming the URL's origin only (the URL may hold a secret). */
  error?: string;
}

/** NotificationBody is what `notify` POSTs. */
export interface NotificationBody {
  /** One human line (Slack incoming webhooks render it). */
  text: string;
  event: AuditEvent;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * notifyUrlOrigin checks a notification URL (http or https, no user:password) and
 * returns its origin, the only part of it that may be printed. Throws UsageError, whose
 * message does not contain the URL.
 */
export function notifyUrlOrigin(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('the notification URL is not a valid URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new UsageError(`the notification URL must be http or https, not ${u.protocol}`);
  }
  if (u.username || u.password) {
    throw new UsageError(
      `the notification URL for ${u.origin} must not contain user:password; put a token in its path or query`,
    );
  }
  return u.origin;
}

/**
 * notify POSTs `{ text, event }` as JSON to `url` (Slack incoming webhooks read `text`;
 * other receivers get the whole event). It never throws and never fails the action it
 * reports on: the result says whether the receiver answered 2xx, so the caller can log
 * a warning. Redirects are not followed. Errors name the URL's origin, never its path
 * or query, and never quote what the receiver answered.
 */
export async function notify(
  url: string,
  event: AuditEvent,
  opts: NotifyOptions = {},
): Promise<NotifyResult> {
  let origin: string;
  try {
    origin = notifyUrlOrigin(url);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const body: NotificationBody = { text: notificationText(event), event };
  try {
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': opts.userAgent ?? 'oci-promote',
      },
      body: JSON.stringify(body),
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(opts.dispatcher && { dispatcher: opts.dispatcher }),
    });
    const status = res.statusCode;
    // Whatever the receiver says is not read, let alone printed: it may quote the URL
    // (the secret path of a webhook, in any escaping).
    await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
    if (status >= 200 && status < 300) return { ok: true, status };
    return { ok: false, status, error: `notification to ${origin} answered HTTP ${status}` };
  } catch (e) {
    const reason = timeout.aborted
      ? `timed out after ${timeoutMs} ms`
      : opts.signal?.aborted
        ? 'aborted'
        : redact(errorReason(e), url, origin);
    return { ok: false, error: `notification to ${origin} failed: ${reason}` };
  }
}

function errorReason(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  const cause = e.cause instanceof Error ? e.cause.message : '';
  const message = cause && !e.message.includes(cause) ? `${e.message}: ${cause}` : e.message;
  return (code && !message.includes(code) ? `${code} ${message}` : message).replace(/\s+/g, ' ');
}

/** redact replaces the URL, and its path and query wherever they appear, by the origin. */
function redact(text: string, url: string, origin: string): string {
  let out = text.split(url).join(origin);
  try {
    const u = new URL(url);
    for (const part of [u.pathname + u.search, u.search.slice(1), u.pathname]) {
      if (part.length > 1) out = out.split(part).join('/…');
    }
  } catch {
    // Not a URL: nothing more to hide.
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

/** shortDigest: `sha256:0123456789ab…`. */
function shortDigest(d: string): string {
  const colon = d.indexOf(':');
  return colon > 0 && d.length > colon + 13 ? `${d.slice(0, colon + 13)}…` : d;
}

/** slack escapes the three characters Slack's mrkdwn treats as markup. */
function slack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** withoutDigest drops `@sha256:…` from a reference (the digest is printed short). */
function withoutDigest(ref: string): string {
  const at = ref.indexOf('@');
  return at >= 0 ? ref.slice(0, at) : ref;
}

/**
 * notificationText is the one human line of a notification, e.g.
 * `✅ promoted ghcr.io/o/staging:1.2.3 (sha256:0123456789ab…) to ghcr.io/o/app → 1.2.3, 1.2, 1, latest by alice — <https://github.com/o/app/actions/runs/1>`.
 * Slack markup characters in names and messages are escaped; the run URL is a link.
 */
export function notificationText(e: AuditEvent): string {
  const by = e.actor ? ` by ${slack(e.actor)}` : '';
  const link = e.runUrl ? ` — <${e.runUrl.replace(/[<>|\s]/g, encodeURIComponent)}>` : '';
  const dry = e.dryRun ? 'dry run: ' : '';
  const repo = slack(e.repository);
  let line: string;
  if (!e.ok) {
    const what =
      e.action === 'promote'
        ? `promotion of ${slack(withoutDigest(e.source ?? '?'))} to ${repo}`
        : e.action === 'rollback'
          ? `rollback of ${repo}${e.tag ? `:${slack(e.tag)}` : ''}`
          : `prune of ${repo}`;
    const message = e.error ? slack(e.error.message) : 'unknown error';
    line = `❌ ${dry}${what} failed: ${message}`;
  } else if (e.action === 'promote') {
    const source = `${slack(withoutDigest(e.source ?? '?'))}${e.digest ? ` (${shortDigest(e.digest)})` : ''}`;
    const tags = e.tags ?? [];
    const changed = tags.filter((t) => t.action !== 'unchanged').map((t) => slack(t.tag));
    if (changed.length > 0) {
      line = `✅ ${e.dryRun ? 'dry run: would promote' : 'promoted'} ${source} to ${repo} → ${changed.join(', ')}`;
    } else {
      const all = tags
        .filter((t) => t.previousDigest === e.digest)
        .map((t) => slack(t.tag))
        .join(', ');
      line = `✅ ${dry}${source} already promoted to ${repo}${all ? ` → ${all}` : ''} (no tag changed)`;
    }
  } else if (e.action === 'rollback') {
    const target = `${repo}${e.tag ? `:${slack(e.tag)}` : ''}`;
    const to = e.digest ? shortDigest(e.digest) : '?';
    const was = e.previousDigest ? ` (was ${shortDigest(e.previousDigest)})` : '';
    line = `↩️ ${e.dryRun ? 'dry run: would roll back' : 'rolled back'} ${target} to ${to}${was}`;
  } else {
    const records = e.removedRecords?.length ?? 0;
    const deleted = e.deleted?.length ?? 0;
    const verb = e.dryRun ? 'dry run: would prune' : 'pruned';
    const skipped = e.deletionSkipped ? ` (deletion skipped: ${slack(e.deletionSkipped)})` : '';
    line = `🧹 ${verb} ${repo}: ${records} history record${records === 1 ? '' : 's'}, ${deleted} image${deleted === 1 ? '' : 's'} deleted${skipped}`;
  }
  if (e.ok && e.conflicts && e.conflicts.length > 0) {
    line += ` ⚠️ moved by another writer since: ${e.conflicts.map((c) => slack(c.tag)).join(', ')}`;
  }
  return `${line}${by}${link}`;
}
