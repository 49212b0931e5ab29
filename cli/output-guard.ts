/**
 * The last line of defence between the process and its stdout and stderr: every string
 * written passes through `guardText`, which
 * - masks every secret the process holds (secrets.ts);
 * - escapes control characters, C1 codes, line separators and bidi overrides, so raw
 *   terminal sequences never leave (the only exception: the `\r ESC[K` a terminal
 *   progress line starts with, on stderr);
 * - defuses GitHub Actions workflow commands it did not build: a line that would start
 *   with `::` once trimmed (the runner trims; actions/runner `ActionCommand.TryParseV2`)
 *   gets its first colon escaped, and `##[` (the old command syntax, found anywhere in a
 *   line) becomes `##\u005b`.
 * The escapes used (`\xHH` for C0 codes, `\uHHHH` for the rest) are also valid inside
 * JSON strings, so a `--json` document or a JSON log line stays valid and means the same.
 * Bytes written to stdout (`inspect --raw`) are data and pass untouched.
 */
import { Writable } from 'node:stream';
import { escapeText } from './format.js';
import { takeIssuedCommand } from './github-actions.js';
import type { CliIo } from './runtime.js';
import { SecretSet } from './secrets.js';

/** The sequence a terminal progress line starts with: back to column 0, erase the line. */
const ERASE_LINE = '\r\x1b[K';

/** How a stream is guarded. */
export interface GuardOptions {
  secrets: SecretSet;
  /** Workflow commands built by github-actions.ts may start a line (stderr only). */
  commands: boolean;
  /** A leading ERASE_LINE is kept (stderr on a terminal). */
  progress: boolean;
}

/** Where a stream is between writes: at the start of a line or inside one. */
export interface GuardState {
  atLineStart: boolean;
}

/** guardText makes one written string safe (see the file comment). */
export function guardText(text: string, state: GuardState, opts: GuardOptions): string {
  const parts = text.split('\n');
  for (let i = 0; i < parts.length; i++) {
    let line = parts[i] as string;
    const startsLine = i > 0 || state.atLineStart;
    const own = opts.commands && startsLine && takeIssuedCommand(line);
    let lead = '';
    if (opts.progress && line.startsWith(ERASE_LINE)) {
      lead = ERASE_LINE;
      line = line.slice(ERASE_LINE.length);
    }
    line = escapeText(opts.secrets.redact(line));
    if ((startsLine || lead) && !own) line = line.replace(/^(\s*):(?=:)/, '$1\\u003a');
    parts[i] = lead + line.replaceAll('##[', '##\\u005b');
  }
  if (text.length > 0) state.atLineStart = text.endsWith('\n');
  return parts.join('\n');
}

/** GuardedIo is a CliIo whose streams are guarded, with the secrets they mask. */
export type GuardedIo = CliIo & { secrets: SecretSet };

/**
 * guardStream wraps a stream. Writes go through synchronously (a failure must be on
 * stderr before the process exits); `isTTY` is passed on for the progress display.
 */
export function guardStream(
  target: NodeJS.WritableStream & { isTTY?: boolean },
  opts: GuardOptions & { bytes: 'data' | 'text' },
): Writable & { isTTY?: boolean } {
  const state: GuardState = { atLineStart: true };
  const w = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, done) {
      if (typeof chunk !== 'string' && opts.bytes === 'data') {
        target.write(chunk);
      } else {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        target.write(guardText(text, state, opts));
      }
      done();
    },
  }) as Writable & { isTTY?: boolean };
  if (target.isTTY) w.isTTY = true;
  return w;
}

/** guardIo guards stdout and stderr of `io` (once: a guarded io is returned as is). */
export function guardIo(io: CliIo, secrets: SecretSet = new SecretSet()): GuardedIo {
  if ('secrets' in io && io.secrets instanceof SecretSet) return io as GuardedIo;
  return {
    ...io,
    secrets,
    stdout: guardStream(io.stdout, { secrets, commands: false, progress: false, bytes: 'data' }),
    stderr: guardStream(io.stderr, {
      secrets,
      commands: true,
      progress: io.stderr.isTTY === true,
      bytes: 'text',
    }),
  };
}
