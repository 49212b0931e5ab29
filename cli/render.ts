/**
 * What main prints once the command returned or threw: the result (text, `--json` or raw
 * bytes), or one error line (and the `--json` error document), and the exit code of the
 * CLI contract for either.
 */
import { errorSummary, type InterruptedError, isOciPromoteError } from '../lib/index.js';
import { EXIT, exitCodeOf, failureText } from './exit-codes.js';
import type { CliIo, CommandOutput } from './runtime.js';

/** Outcome is how a parsed command ended. */
export interface Outcome {
  /** What the command returned (none for a failure, or when yargs printed help). */
  output: CommandOutput | undefined;
  /** What it or the parser threw. */
  failure: unknown;
  json: boolean;
}

/** render prints the outcome on the (guarded) io and returns the exit code. */
export function render({ output, failure, json }: Outcome, io: CliIo): number {
  // Whatever an interrupted command threw (an AbortError, a network error), the signal is the cause.
  const stop = interruption(io.signal);
  if (failure !== undefined) return fail(stop ?? failure, json, io);
  if (!output) return EXIT.ok;
  if (json) io.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
  else if (output.raw) io.stdout.write(output.raw);
  else if (output.text.length > 0) io.stdout.write(`${output.text.join('\n')}\n`);
  if (output.exitCode) {
    if (output.failure) io.stderr.write(`oci-promote: ${output.failure}\n`);
    // A batch reports its entries first; the exit code says that it was cut short.
    return stop ? fail(stop, false, io) : output.exitCode;
  }
  return EXIT.ok;
}

/** interruption is the InterruptedError the signal was aborted with (bin.ts), if any. */
function interruption(signal: AbortSignal | undefined): InterruptedError | undefined {
  const reason: unknown = signal?.aborted ? signal.reason : undefined;
  return isOciPromoteError(reason) && reason.category === 'interrupted'
    ? (reason as InterruptedError)
    : undefined;
}

/** errorDocument is the `--json` document of a failure. */
export function errorDocument(code: string, message: string): string {
  return `${JSON.stringify({ error: { code, message } }, null, 2)}\n`;
}

function fail(e: unknown, json: boolean, io: CliIo): number {
  // One line, always: some messages (yargs' "Invalid values:\n  Argument: …") span several.
  const failure = errorSummary(e);
  io.stderr.write(`oci-promote: error: ${failureText(failure)}\n`);
  if (json) io.stdout.write(errorDocument(failure.code, failure.message));
  if (!isOciPromoteError(e) && e instanceof Error && e.stack) {
    io.stderr.write(`${e.stack}\n`);
  }
  return exitCodeOf(e);
}
