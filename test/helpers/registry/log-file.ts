/**
 * A log file the registry writes and the harness reads when it needs to, instead of a pipe
 * the harness must drain as the registry writes: reading a pipe costs the harness a wake-up
 * and a parse per request while the code under test runs, and in `npm run bench` that CPU
 * was taken from the very cores the measured commands run on (about 0.5 s of 2 cores in a
 * batch of 200 small images).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** LogFile reads a growing file by whole lines. */
export interface LogFile {
  /** The complete lines written since the last call (a partial last line waits). */
  read(): string;
  close(): void;
}

const NEWLINE = 0x0a;

/** openLogFile opens `path` (created empty by the caller) for reading from its start. */
export function openLogFile(path: string): LogFile {
  const fd = openSync(path, 'r');
  let offset = 0;
  let rest = Buffer.alloc(0);
  let closed = false;
  return {
    read() {
      if (closed) return '';
      const size = fstatSync(fd).size;
      if (size <= offset) return '';
      const chunk = Buffer.allocUnsafe(size - offset);
      const n = readSync(fd, chunk, 0, chunk.length, offset);
      offset += n;
      const bytes =
        rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      // Cut after the last newline, in bytes: a read may end inside a line, or inside a
      // UTF-8 sequence, and both wait for the next read.
      const cut = bytes.lastIndexOf(NEWLINE) + 1;
      rest = Buffer.from(bytes.subarray(cut));
      return bytes.toString('utf8', 0, cut);
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
