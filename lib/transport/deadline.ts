/**
 * The per-response deadline. undici's idle timeout (`bodyTimeout`) restarts with every
 * byte, so a registry that trickles one byte every 30 s keeps a request alive forever.
 * Once the headers are in, a response must finish within a floor plus its expected size
 * at a minimum rate. The wait for the headers is not counted: the headers timeout bounds
 * it, and is long on purpose (a registry may verify a big blob before answering a PUT).
 */
import type { Readable } from 'node:stream';

/**
 * DEFAULT_DEADLINE_MS is the floor: time for a small body (a manifest, a tag page, a
 * token, an error) however slow the link, and for a blob's first bytes.
 */
export const DEFAULT_DEADLINE_MS = 60_000;

/**
 * DEFAULT_MIN_RATE in bytes per second: 64 KiB/s is 0.5 Mbit/s, a twentieth of a slow
 * 10 Mbit/s link, so an honest transfer finishes well inside its deadline, while a
 * trickle is cut after the floor plus its size at that rate (a 4 MiB manifest: 124 s).
 */
export const DEFAULT_MIN_RATE = 64 * 1024;

/**
 * expectedBytes is what a response is expected to hold: its Content-Length, held to
 * `cap` (a blob's descriptor size, or the most the caller will read). Without a cap
 * the caller reads little or nothing of the body (a HEAD, a dump, an error body): 0.
 */
export function expectedBytes(contentLength: string | undefined, cap: number | undefined): number {
  if (cap === undefined) return 0;
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  return Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, cap) : cap;
}

/** deadlineMs is the floor plus `bytes` at `minRate` bytes per second. */
export function deadlineMs(bytes: number, limits: { deadline: number; minRate: number }): number {
  return limits.deadline + Math.ceil((bytes * 1000) / limits.minRate);
}

/**
 * armDeadline destroys `body` with `fail()` unless it closes within `ms`. The timer does
 * not keep the process alive; it is cleared when the body ends, fails or is dumped.
 */
export function armDeadline(body: Readable, ms: number, fail: () => Error): void {
  const timer = setTimeout(() => body.destroy(fail()), ms);
  timer.unref();
  body.once('close', () => clearTimeout(timer));
}
