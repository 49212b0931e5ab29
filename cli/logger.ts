/**
 * The CLI's logger, in front of pino (pino-logger.ts), which it loads with the first line
 * at an enabled level: a `--quiet` run, or one that logs nothing, never loads pino (a
 * quarter of a small copy's start-up), and the others load it while their first requests
 * are in flight. Lines logged meanwhile wait, in order and with the time they were logged
 * at; `close()` writes them.
 */
import type { Logger } from '../lib/index.js';
import type { LogLevel } from './log-levels.js';

export { LOG_LEVELS, type LogLevel } from './log-levels.js';

/** CliLogger is the library's Logger, and close() to write every line logged. */
export interface CliLogger extends Logger {
  close(): Promise<void>;
}

type Method = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel | Method, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  silent: Number.POSITIVE_INFINITY,
};

type PinoModule = Pick<typeof import('./pino-logger.js'), 'pinoLogger'>;

/** createLogger builds the CLI logger on stderr (`load` is for tests). */
export function createLogger(
  stderr: NodeJS.WritableStream,
  level: LogLevel,
  format: 'text' | 'json',
  load: () => Promise<PinoModule> = () => import('./pino-logger.js'),
): CliLogger {
  let pino: Logger | undefined;
  let loading: Promise<void> | undefined;
  const waiting: Array<{ method: Method; time: number; obj: object; msg: string | undefined }> = [];
  let replaying: number | undefined;
  const start = () => {
    loading ??= load().then(({ pinoLogger }) => {
      const p = pinoLogger(stderr, level, format, () => replaying ?? Date.now());
      for (const line of waiting.splice(0)) {
        replaying = line.time;
        p[line.method](line.obj, line.msg);
      }
      replaying = undefined;
      pino = p;
    });
    // Not left unhandled in between: close() rethrows a failure to load.
    loading.catch(() => {});
    return loading;
  };
  const method =
    (name: Method) =>
    (obj: object, msg?: string): void => {
      if (RANK[name] < RANK[level]) return;
      if (pino) {
        pino[name](obj, msg);
      } else {
        waiting.push({ method: name, time: Date.now(), obj, msg });
        void start();
      }
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    close: async () => {
      await loading;
    },
  };
}
