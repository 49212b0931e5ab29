/**
 * Progress for long copies. On a terminal: one status line on stderr, redrawn at most
 * every 100 ms. Elsewhere (CI logs): one info line per finished blob, no redraws.
 */
import type { CopyEvent, Logger } from '../lib/index.js';
import { done, formatBytes, shortDigest } from './format.js';
import type { Runtime } from './runtime.js';

/** Progress listens to copy events and renders them. */
export interface Progress {
  onEvent(event: CopyEvent): void;
  /** done erases the status line. */
  done(): void;
}

/** createProgress picks the terminal or the log rendering. */
export function createProgress(
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  logger: Logger,
  enabled: boolean,
): Progress {
  if (!enabled) return { onEvent: () => {}, done: () => {} };
  return stderr.isTTY ? terminalProgress(stderr) : logProgress(logger);
}

/**
 * progressFor is the progress of a command that copies: in a dry run no byte moves, so
 * there is nothing to measure, only one info line per blob saying what would happen.
 */
export function progressFor(rt: Pick<Runtime, 'progress' | 'logger'>, dryRun: boolean): Progress {
  return dryRun ? planProgress(rt.logger) : rt.progress();
}

function planProgress(logger: Logger): Progress {
  return {
    onEvent(e) {
      if (e.type === 'blob' && e.action !== 'skipped') {
        logger.info(
          { digest: e.descriptor.digest, size: e.descriptor.size },
          `blob ${done(e.action, true)}`,
        );
      } else if (e.type === 'warning') {
        logger.warn({}, e.message);
      }
    },
    done() {},
  };
}

function logProgress(logger: Logger): Progress {
  return {
    onEvent(e) {
      if (e.type === 'blob' && e.action !== 'skipped') {
        logger.info({ digest: e.descriptor.digest, size: e.descriptor.size }, `blob ${e.action}`);
      } else if (e.type === 'warning') {
        logger.warn({}, e.message);
      }
    },
    done() {},
  };
}

function terminalProgress(stderr: NodeJS.WritableStream): Progress {
  const active = new Map<string, { bytes: number; size: number }>();
  let finished = 0;
  let bytesDone = 0;
  let last = 0;
  const started = Date.now();
  let shown = false;
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let inFlight = 0;
    for (const a of active.values()) inFlight += a.bytes;
    const total = bytesDone + inFlight;
    const rate = total / Math.max(0.001, (now - started) / 1000);
    const current = [...active.keys()].slice(0, 2).map(shortDigest).join(' ');
    stderr.write(
      `\r\x1b[K${finished} blob(s) done, ${active.size} in flight, ${formatBytes(total)} at ${formatBytes(rate)}/s ${current}`,
    );
    shown = true;
  };
  return {
    onEvent(e) {
      if (e.type === 'blob-start')
        active.set(e.descriptor.digest, { bytes: 0, size: e.descriptor.size });
      else if (e.type === 'blob-progress') {
        const a = active.get(e.descriptor.digest);
        if (a) a.bytes = e.bytes;
      } else if (e.type === 'blob') {
        active.delete(e.descriptor.digest);
        finished++;
        if (e.action === 'copied') bytesDone += e.descriptor.size;
      } else if (e.type === 'warning') {
        stderr.write(`\r\x1b[Kwarning: ${e.message}\n`);
      }
      draw(false);
    },
    done() {
      if (shown) stderr.write('\r\x1b[K');
    },
  };
}
