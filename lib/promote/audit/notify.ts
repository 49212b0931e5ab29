/**
 * Notifications (`--notify-url`): the audit event POSTed as JSON with a Slack-compatible
 * `text`, through the transport's webhook client (lib/transport/webhook.ts), so the CA
 * file, `insecure` and the timeouts that apply to registries apply here too.
 *
 * A notification URL may itself be a secret (Slack webhook URLs are), so nothing here
 * ever prints it: errors name its origin only, and what the receiver answers is never
 * read.
 */
import { UsageError } from '../../errors.js';
import type { TransportOptions } from '../../transport/types.js';
import { postWebhook } from '../../transport/webhook.js';
import type { AuditEvent } from './event.js';
import { notificationText } from './text.js';

/** NotifyOptions tune one notification: the transport's TLS settings and timeouts, and a limit. */
export interface NotifyOptions
  extends Pick<TransportOptions, 'ca' | 'insecure' | 'timeouts' | 'userAgent'> {
  signal?: AbortSignal;
  /** Whole request, headers and body (default 10 s); also caps each transport timeout. */
  timeoutMs?: number;
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
  const limitMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(limitMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const body: NotificationBody = { text: notificationText(event), event };
  try {
    const status = await postWebhook(new URL(url), JSON.stringify(body), {
      ...opts,
      limitMs,
      signal,
    });
    if (status >= 200 && status < 300) return { ok: true, status };
    return { ok: false, status, error: `notification to ${origin} answered HTTP ${status}` };
  } catch (e) {
    const reason = timeout.aborted
      ? `timed out after ${limitMs} ms`
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
