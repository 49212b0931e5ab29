/**
 * pino writing to stderr, as JSON lines (`--log-format json`) or as short text lines for
 * people (`level: message key=value`). stdout is kept for results. Loaded by logger.ts
 * when the first line is due.
 */
import { Writable } from 'node:stream';
import { type Logger as Pino, pino } from 'pino';
import { escapeText } from './format.js';
import type { LogLevel } from './log-levels.js';

const names: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const skip = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * textLine renders one pino JSON record as `level: msg k=v ...`, on one line: messages
 * and values may quote a registry, so control characters are escaped (format.ts).
 */
export function textLine(record: Record<string, unknown>): string {
  const extras = Object.entries(record)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? escapeText(v) : JSON.stringify(v)}`);
  return [
    `${names[record.level as number] ?? 'log'}: ${escapeText(String(record.msg ?? ''))}`,
    ...extras,
  ].join(' ');
}

/**
 * pinoLogger builds the CLI's pino; `now` gives each line its time (logger.ts hands in the
 * time a line was logged at). Authorization headers are redacted if ever logged.
 */
export function pinoLogger(
  stderr: NodeJS.WritableStream,
  level: LogLevel,
  format: 'text' | 'json',
  now: () => number,
): Pino {
  const destination =
    format === 'json'
      ? stderr
      : new Writable({
          write(chunk: Buffer, _enc, done) {
            for (const line of chunk.toString('utf8').split('\n')) {
              if (line) stderr.write(`${textLine(JSON.parse(line))}\n`);
            }
            done();
          },
        });
  return pino(
    {
      level,
      base: undefined,
      timestamp: () => `,"time":${now()}`,
      redact: {
        paths: ['*.authorization', '*.headers.authorization', 'password', 'token'],
        censor: '[REDACTED]',
      },
    },
    destination,
  );
}
