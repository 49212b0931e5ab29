/**
 * Retries of transient failures (DESIGN.md §4): network resets and timeouts, and the
 * statuses 408/429/500/502/503/504; never any other 4xx. The delay is the larger of an
 * exponential backoff with jitter and the delay the registry asked for (`Retry-After`,
 * RFC 9110 §10.2.3, or GHCR's body hint), capped so a hostile or confused registry
 * cannot park the client for hours (containers/image caps at 60 s too).
 */
import pRetry from 'p-retry';
import { isOciPromoteError, NetworkError, RegistryError } from '../errors.js';

/** RETRYABLE_STATUSES are the statuses a retry may fix. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Error codes (Node and undici) of failures below HTTP that a new attempt may fix.
 * ECONNREFUSED, ENOTFOUND and TLS errors are left out on purpose: they do not go away
 * by themselves, and failing fast gives the user the clear message sooner.
 */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETRESET',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  // Ours: a response that did not finish by its deadline (deadline.ts).
  'ERR_DEADLINE',
]);

/** DEFAULT_MAX_RETRY_AFTER_MS caps any delay a registry asks for. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/**
 * RETRY_HINT_FLOOR_MS is the least delay taken from GHCR's body hint: it says
 * `retry-after: 10.3ms` while its limiter needs far longer to refill
 * (chainguard-images/images#173).
 */
export const RETRY_HINT_FLOOR_MS = 1_000;

/** errorCodes lists the `code`s of an error and its causes (and AggregateError members). */
function errorCodes(err: unknown, depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 5) return [];
  const out: string[] = [];
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') out.push(code);
  if (err instanceof AggregateError) {
    for (const e of err.errors) out.push(...errorCodes(e, depth + 1));
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) out.push(...errorCodes(cause, depth + 1));
  return out;
}

const RETRY_AFTER_REAUTH = Symbol.for('oci-promote.retryAfterReauth');

/**
 * markRetryAfterReauth flags a 401 to a streamed request as worth one new attempt: the
 * transport learnt how to authenticate (or dropped a stale token), and the body could not
 * be replayed. The attempt after that carries a fresh token; if it is refused too, that
 * 401 is not flagged and is final.
 */
export function markRetryAfterReauth(err: Error): void {
  Object.defineProperty(err, RETRY_AFTER_REAUTH, { value: true, enumerable: false });
}

/**
 * isRetryable tells whether a failure is transient: a RegistryError with a retryable
 * status, a 401 flagged by markRetryAfterReauth, or a network failure (reset, broken
 * pipe, closed socket, timeout). Aborts,
 * integrity failures, usage errors and other 4xx are not.
 */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as Error).name === 'AbortError') return false;
  if ((err as Record<symbol, unknown>)[RETRY_AFTER_REAUTH] === true) return true;
  if (err instanceof RegistryError) return RETRYABLE_STATUSES.has(err.status);
  if (isOciPromoteError(err) && !(err instanceof NetworkError)) return false;
  return errorCodes(err).some((c) => RETRYABLE_CODES.has(c));
}

/**
 * parseRetryAfter reads a `Retry-After` value: delay-seconds or an HTTP-date. Returns
 * milliseconds (0 for a date in the past), or undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (/^\d+\.\d+$/.test(v)) return Math.ceil(Number(v) * 1000); // not RFC, but seen
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const durationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * parseRetryHint reads GHCR's body hint, e.g. `TOOMANYREQUESTS: retry-after: 10.3ms,
 * allowed: 2000/minute` (a Go duration such as `1m30s` or `716µs`), with the result
 * raised to RETRY_HINT_FLOOR_MS. Undefined when there is no hint.
 */
export function parseRetryHint(body: string): number | undefined {
  const m = /retry-after:\s*((?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+)/i.exec(body);
  if (!m) return undefined;
  let ms = 0;
  for (const part of m[1]!.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/gi)) {
    ms += Number(part[1]) * (durationUnits[part[2]!.toLowerCase()] ?? durationUnits[part[2]!]!);
  }
  return Math.max(RETRY_HINT_FLOOR_MS, Math.ceil(ms));
}

/** RetryInfo describes a retry about to happen, for logging. */
export interface RetryInfo {
  error: unknown;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Milliseconds until the next attempt. */
  delayMs: number;
}

/** RetryOptions configures withRetry. */
export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First backoff delay in ms (default 500), doubled per retry. */
  minDelay?: number;
  /** Largest backoff delay in ms (default 10 000). */
  maxDelay?: number;
  /** Cap on a registry-requested delay in ms (default 60 000). */
  maxRetryAfter?: number;
  /** Decides what is retried (default isRetryable). */
  shouldRetry?: (err: unknown) => boolean;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
  signal?: AbortSignal;
  /** Waits between attempts (default an abortable timer); tests inject a recorder. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0,1) (default Math.random). */
  random?: () => number;
}

/** sleep waits `ms` milliseconds, or rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * retryDelay computes the wait before retry number `retry` (0-based): backoff with
 * jitter (between half and all of min·2^retry, capped at maxDelay), raised to the
 * registry's requested delay (capped at maxRetryAfter).
 */
export function retryDelay(err: unknown, retry: number, opts: RetryOptions = {}): number {
  const min = opts.minDelay ?? 500;
  const max = opts.maxDelay ?? 10_000;
  const base = Math.min(max, min * 2 ** retry);
  const backoff = Math.round(base * (0.5 + 0.5 * (opts.random ?? Math.random)()));
  const asked = err instanceof RegistryError ? err.retryAfterMs : undefined;
  if (asked === undefined) return backoff;
  return Math.max(backoff, Math.min(asked, opts.maxRetryAfter ?? DEFAULT_MAX_RETRY_AFTER_MS));
}

/**
 * withRetry runs `fn` until it succeeds, fails with a non-retryable error, runs out of
 * retries, or the signal aborts. The copy engine uses it to restart whole blob copies
 * (a retried upload must start a new session, DESIGN.md §4).
 */
export function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const shouldRetry = opts.shouldRetry ?? isRetryable;
  const wait = opts.sleep ?? sleep;
  const signal = opts.signal;
  return pRetry(fn, {
    retries: opts.retries ?? 4,
    // p-retry's own timer is not used: the delay is computed here, with Retry-After.
    minTimeout: 0,
    maxTimeout: 0,
    ...(signal && { signal }),
    shouldRetry: async ({ error, attemptNumber, retriesConsumed }) => {
      if (signal?.aborted || !shouldRetry(error)) return false;
      const delayMs = retryDelay(error, retriesConsumed, opts);
      opts.onRetry?.({ error, attempt: attemptNumber, delayMs });
      await wait(delayMs, signal);
      return true;
    },
  });
}
