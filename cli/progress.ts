/**
 * Progress for long copies, with the same facts everywhere: bytes done of the total,
 * percent, rate and ETA. On a terminal: one status line on stderr, redrawn at most every
 * 100 ms. Elsewhere (CI logs): an info line per finished blob, and a progress line every
 * 5 seconds or every 10 %, whichever comes first, never two within a second. Nothing with
 * --quiet (the logger is at error level, and the command passes enabled = false).
 *
 * The total is what the copy has announced so far: every blob it queued (`blob-queued`,
 * before the `--jobs` limit), less those found present or mounted; it can grow while an
 * index's children are still being read.
 */
import type { CopyEvent, Logger } from '../lib/index.js';
import { done, formatBytes, formatDuration } from './format.js';
import type { Runtime } from './runtime.js';

/** Progress listens to copy events and renders them. */
export interface Progress {
  onEvent(event: CopyEvent): void;
  /** done erases the status line. */
  done(): void;
}

/** A clock in milliseconds (injectable for tests). */
export type Clock = () => number;

/** Off a terminal: a line at least this often while bytes flow... */
export const LOG_EVERY_MS = 5000;
/** ...or at each step of this many percent... */
export const LOG_STEP_PERCENT = 10;
/** ...but never two lines closer than this. */
export const LOG_MIN_GAP_MS = 1000;
/** On a terminal: redraw at most this often. */
const DRAW_EVERY_MS = 100;

/** createProgress picks the terminal or the log rendering. */
export function createProgress(
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  logger: Logger,
  enabled: boolean,
  now: Clock = Date.now,
): Progress {
  if (!enabled) return { onEvent: () => {}, done: () => {} };
  const tally = new Tally(now);
  return stderr.isTTY ? terminalProgress(stderr, tally, now) : logProgress(logger, tally, now);
}

/**
 * progressFor is the progress of a command that copies: in a dry run no byte moves, so
 * there is nothing to measure, only one info line per blob saying what would happen.
 */
export function progressFor(rt: Pick<Runtime, 'progress' | 'logger'>, dryRun: boolean): Progress {
  return dryRun ? planProgress(rt.logger) : rt.progress();
}

/** Snapshot is where a copy stands. */
export interface Snapshot {
  bytes: number;
  total: number;
  percent: number;
  /** Bytes per second since the first transfer started. */
  rate: number;
  /** Seconds left at that rate; undefined before anything moved. */
  eta: number | undefined;
  finished: number;
  inFlight: number;
}

/** Tally adds up what the copy events say. */
export class Tally {
  /** Size of every blob counted in the total, by digest. */
  readonly #counted = new Map<string, number>();
  /** Bytes so far of every blob in flight. */
  readonly #active = new Map<string, number>();
  #total = 0;
  #finishedBytes = 0;
  #finished = 0;
  #started: number | undefined;

  constructor(private readonly now: Clock) {}

  /** onEvent updates the tally; it says whether the bytes or counts changed. */
  onEvent(e: CopyEvent): boolean {
    const { digest, size } = 'descriptor' in e ? e.descriptor : { digest: '', size: 0 };
    switch (e.type) {
      case 'blob-queued':
        this.#count(digest, size);
        return false;
      case 'blob-start':
        this.#started ??= this.now();
        this.#count(digest, size);
        this.#active.set(digest, 0);
        return true;
      case 'blob-progress':
        if (!this.#active.has(digest)) return false;
        this.#active.set(digest, e.bytes);
        return true;
      case 'blob':
        this.#active.delete(digest);
        if (e.action === 'copied') {
          this.#count(digest, size);
          this.#finishedBytes += size;
          this.#finished++;
        } else if (this.#counted.has(digest)) {
          // Found present, or mounted after all: not transferred.
          this.#total -= size;
          this.#counted.delete(digest);
        }
        return true;
      default:
        return false;
    }
  }

  #count(digest: string, size: number): void {
    if (this.#counted.has(digest)) return;
    this.#counted.set(digest, size);
    this.#total += size;
  }

  /** startedAt is when the first transfer started (undefined before). */
  get startedAt(): number | undefined {
    return this.#started;
  }

  snapshot(): Snapshot {
    let bytes = this.#finishedBytes;
    for (const b of this.#active.values()) bytes += b;
    const total = Math.max(this.#total, bytes);
    const elapsed = this.#started === undefined ? 0 : (this.now() - this.#started) / 1000;
    const rate = elapsed > 0 ? bytes / elapsed : 0;
    return {
      bytes,
      total,
      percent: total > 0 ? Math.floor((bytes * 100) / total) : 0,
      rate,
      eta: rate > 0 ? (total - bytes) / rate : undefined,
      finished: this.#finished,
      inFlight: this.#active.size,
    };
  }
}

/** facts renders a snapshot: `5.0 MiB of 10.0 MiB (50%) at 1.2 MiB/s, ETA 4s`. */
export function facts(s: Snapshot): string {
  const eta = s.eta === undefined ? '--' : formatDuration(s.eta);
  return `${formatBytes(s.bytes)} of ${formatBytes(s.total)} (${s.percent}%) at ${formatBytes(Math.round(s.rate))}/s, ETA ${eta}`;
}

function logProgress(logger: Logger, tally: Tally, now: Clock): Progress {
  let last: number | undefined;
  let nextStep = LOG_STEP_PERCENT;
  return {
    onEvent(e) {
      logLine(logger, e, false);
      if (!tally.onEvent(e) || e.type !== 'blob-progress') return;
      const t = now();
      last ??= tally.startedAt ?? t;
      const s = tally.snapshot();
      const gap = t - last;
      if (gap >= LOG_EVERY_MS || (s.percent >= nextStep && gap >= LOG_MIN_GAP_MS)) {
        last = t;
        nextStep = (Math.floor(s.percent / LOG_STEP_PERCENT) + 1) * LOG_STEP_PERCENT;
        logger.info({}, `copying: ${facts(s)}`);
      }
    },
    done() {},
  };
}

function terminalProgress(stderr: NodeJS.WritableStream, tally: Tally, now: Clock): Progress {
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    onEvent(e) {
      if (e.type === 'warning') stderr.write(`\r\x1b[Kwarning: ${e.message}\n`);
      if (!tally.onEvent(e)) return;
      const t = now();
      if (t - last < DRAW_EVERY_MS) return;
      last = t;
      const s = tally.snapshot();
      stderr.write(`\r\x1b[K${facts(s)} · ${s.finished} blob(s) done, ${s.inFlight} in flight`);
      shown = true;
    },
    done() {
      if (shown) stderr.write('\r\x1b[K');
    },
  };
}

function planProgress(logger: Logger): Progress {
  return { onEvent: (e) => logLine(logger, e, true), done() {} };
}

/** logLine: off a terminal, one info line per blob copied or mounted, and the warnings. */
function logLine(logger: Logger, e: CopyEvent, dryRun: boolean): void {
  if (e.type === 'blob' && e.action !== 'skipped') {
    logger.info(
      { digest: e.descriptor.digest, size: e.descriptor.size },
      `blob ${done(e.action, dryRun)}`,
    );
  } else if (e.type === 'warning') {
    logger.warn({}, e.message);
  }
}
