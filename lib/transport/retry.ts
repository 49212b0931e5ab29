/**
 * Retries of transient failures (docs/faults.md): network resets and timeouts, and the
 * statuses 408/429/500/502/503/504; never any other 4xx. The delay is the larger of an
 * exponential backoff with jitter and the delay the registry asked for (`Retry-After`,
 * RFC 9110 §10.2.3, or GHCR's body hint), capped so a hostile or confused registry
 * cannot park the client for hours (containers/image caps at 60 s too).
 *
 * One owner per operation: an operation that retries as a whole (a blob copy) runs each
 * attempt as an owned attempt (`withRetry` with `owner`), whose requests the transport
 * sends once; retries nested in it (a chunked upload's resumes) draw from the operation's
 * RetryBudget. Without this, the retries of each level multiply.
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
  '\u00b5s': 1e-3,
  '\u03bcs': 1e-3,
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
  // µs and μs (Go writes either) as escapes: one non-ASCII character in a bundled chunk
  // makes Node decode and V8 scan all of it as two-byte text.
  const m = /retry-after:\s*((?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)/i.exec(body);
  if (!m) return undefined;
  let ms = 0;
  for (const part of m[1]!.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gi)) {
    ms += Number(part[1]) * (durationUnits[part[2]!.toLowerCase()] ?? durationUnits[part[2]!]!);
  }
  return Math.max(RETRY_HINT_FLOOR_MS, Math.ceil(ms));
}

/** RetryInfo describes a retry about to happen, for logging. */
export interface RetryInfo {
  error: unknown;
  /** The attempt that failed, from 1 (counted from the last progress, see RetryBudget.refill). */
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
 * RetryBudget is the retries one operation may spend: `retries` (default 4) after the
 * first attempt, whoever in the operation spends them (the blob loop restarting a copy, a
 * chunked upload resuming a chunk or sending its commit again). Each retry's delay is
 * backoff raised to the registry's `Retry-After`.
 */
export class RetryBudget {
  readonly #opts: RetryOptions;
  #spent = 0;

  constructor(opts: RetryOptions = {}) {
    this.#opts = opts;
  }

  /** retries is how many retries the budget holds in all. */
  get retries(): number {
    return this.#opts.retries ?? 4;
  }

  /**
   * take spends one retry after `error`: the retry's attempt and delay, or undefined when
   * none is left. The caller decides whether the error is worth a retry, and waits.
   */
  take(error: unknown): RetryInfo | undefined {
    if (this.#spent >= this.retries) return undefined;
    const delayMs = retryDelay(error, this.#spent, this.#opts);
    this.#spent++;
    return { error, attempt: this.#spent, delayMs };
  }

  /**
   * refill gives back the retries spent so far: the operation made progress that a retry
   * will not redo (a chunked upload's registry confirmed more bytes than ever before).
   */
  refill(): void {
    this.#spent = 0;
  }

  /** wait sleeps a retry's delay (the injected sleep in tests), or rejects on abort. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return (this.#opts.sleep ?? sleep)(ms, signal);
  }
}

/**
 * Each owned attempt runs with an AbortSignal of its own (following the operation's), and
 * its budget is found from that signal: every request of the attempt carries it down to
 * the transport, so the mark crosses the layers without a parameter of its own
 * (go-containerregistry passes `retry.Never(ctx)` down the same way). An AsyncLocalStorage
 * would need no signal, but on Node 20 it runs a promise hook on every promise of the
 * process from its first use on (8 % of a batch's client CPU, measured).
 */
const owned = new WeakMap<AbortSignal, RetryBudget>();

/**
 * ownerBudget is the budget of the owned attempt whose signal a request carries (withRetry
 * with `owner`), or undefined outside one. Inside one, the transport sends each request
 * once, and nested retries (a chunked upload's resumes) draw from this budget.
 */
export function ownerBudget(signal: AbortSignal | undefined): RetryBudget | undefined {
  return signal && owned.get(signal);
}

/** inOwnedAttempt tells whether `signal` is an owned attempt's. */
export function inOwnedAttempt(signal: AbortSignal | undefined): boolean {
  return ownerBudget(signal) !== undefined;
}

/** runOwned runs one owned attempt with a signal of its own, aborted with `outer`. */
async function runOwned<T>(
  budget: RetryBudget,
  outer: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const attempt = new AbortController();
  const follow = () => attempt.abort(outer?.reason);
  if (outer?.aborted) follow();
  else outer?.addEventListener('abort', follow, { once: true });
  owned.set(attempt.signal, budget);
  try {
    return await fn(attempt.signal);
  } finally {
    outer?.removeEventListener('abort', follow);
  }
}

/** WithRetryOptions configures withRetry. */
export interface WithRetryOptions extends RetryOptions {
  /**
   * Run each attempt as an owned attempt: every transport request made with the attempt's
   * signal is sent once, and retries nested in it draw from this loop's budget (a blob
   * copy).
   */
  owner?: boolean;
}

/**
 * withRetry runs `fn` until it succeeds, fails with an error not worth retrying, runs out
 * of budget, or the signal aborts. `fn` gets the attempt's number and signal (an owned
 * attempt's own; else `opts.signal`). The copy engine runs each blob copy in it as the
 * owner (a retried upload starts a new session, docs/faults.md "Uploads").
 */
export function withRetry<T>(
  fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
  opts: WithRetryOptions = {},
): Promise<T> {
  const shouldRetry = opts.shouldRetry ?? isRetryable;
  const budget = new RetryBudget(opts);
  const signal = opts.signal;
  const run = opts.owner
    ? (attempt: number) => runOwned(budget, signal, (own) => fn(attempt, own))
    : (attempt: number) => fn(attempt, signal);
  return pRetry(run, {
    // The budget counts; p-retry's own counter and timer are not used.
    retries: Number.POSITIVE_INFINITY,
    minTimeout: 0,
    maxTimeout: 0,
    ...(signal && { signal }),
    shouldRetry: async ({ error }) => {
      if (signal?.aborted || !shouldRetry(error)) return false;
      const retry = budget.take(error);
      if (!retry) return false;
      opts.onRetry?.(retry);
      await budget.wait(retry.delayMs, signal);
      return true;
    },
  });
}
