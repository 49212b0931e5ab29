/**
 * main: parse argv with yargs, run the command, render its result (text or `--json`),
 * and map failures to the exit codes of the CLI contract. No registry logic lives here.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import {
  errorSummary,
  type InterruptedError,
  isOciPromoteError,
  UsageError,
} from '../lib/index.js';
import type { RunCommand } from './command.js';
import { attestCommand } from './commands/attest.js';
import { copyCommand } from './commands/copy.js';
import { digestCommand } from './commands/digest.js';
import { freezeCommand } from './commands/freeze.js';
import { historyCommand } from './commands/history.js';
import { holdCommand } from './commands/hold.js';
import { inspectCommand } from './commands/inspect.js';
import { loginCommand, logoutCommand } from './commands/login.js';
import { promoteCommand } from './commands/promote.js';
import { pruneCommand } from './commands/prune.js';
import { rollbackCommand } from './commands/rollback.js';
import { statusCommand } from './commands/status.js';
import { tagsCommand } from './commands/tags.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT, exitCodeOf, failureText } from './exit-codes.js';
import { LOG_LEVELS } from './logger.js';
import { guardIo } from './output-guard.js';
import { type CliIo, type CommandOutput, type GlobalArgs, Runtime } from './runtime.js';
import { version } from './version.js';

/** main runs the CLI and resolves to the process exit code. */
export async function main(argv: readonly string[], rawIo: CliIo): Promise<number> {
  // Everything printed passes the guard: secrets masked, registry text made inert.
  const io = guardIo(rawIo);
  let output: CommandOutput | undefined;
  let failure: unknown;
  let json = argv.includes('--json');

  const run: RunCommand = async (args, body) => {
    json = args.json;
    const rt = new Runtime(io, args);
    try {
      output = await body(rt);
    } finally {
      await rt.close();
    }
  };

  const parser = buildParser(run);
  let printed = '';
  try {
    await parser.parseAsync([...argv], {}, (err, _args, out) => {
      if (err) failure ??= err;
      printed = out;
    });
  } catch (e) {
    failure ??= e;
  }

  // Whatever an interrupted command threw (an AbortError, a network error), the signal is the cause.
  const stop = interruption(io.signal);
  if (failure !== undefined) return fail(stop ?? failure, json, io);
  if (printed) {
    // --help, --version: yargs produced the text.
    io.stdout.write(`${printed}\n`);
    return EXIT.ok;
  }
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

function buildParser(run: RunCommand): Argv<GlobalArgs> {
  return yargs()
    .scriptName('oci-promote')
    .usage(
      '$0 <command> [options]\n\nPromote container images between OCI registries, verified, by digest.',
    )
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'print one JSON document on stdout',
    })
    .option('log-level', {
      choices: LOG_LEVELS,
      default: 'info' as const,
      describe: 'log detail on stderr',
    })
    .option('log-format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'log line format',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'only errors on stderr, no progress',
    })
    .option('plain-http', {
      type: 'boolean',
      default: false,
      describe: 'talk http:// to the registries of this command (loopback test registries)',
    })
    .option('insecure', {
      type: 'boolean',
      default: false,
      describe: 'skip TLS certificate verification',
    })
    .option('ca-file', { type: 'string', describe: 'PEM file of extra CA certificates to trust' })
    .command(copyCommand(run) as CommandModule)
    .command(promoteCommand(run) as CommandModule)
    .command(rollbackCommand(run) as CommandModule)
    .command(historyCommand(run) as CommandModule)
    .command(statusCommand(run) as CommandModule)
    .command(attestCommand(run) as CommandModule)
    .command(holdCommand(run, 'hold') as CommandModule)
    .command(holdCommand(run, 'release') as CommandModule)
    .command(freezeCommand(run, 'freeze') as CommandModule)
    .command(freezeCommand(run, 'unfreeze') as CommandModule)
    .command(pruneCommand(run) as CommandModule)
    .command(inspectCommand(run) as CommandModule)
    .command(digestCommand(run) as CommandModule)
    .command(tagsCommand(run) as CommandModule)
    .command(verifyCommand(run) as CommandModule)
    .command(loginCommand(run) as CommandModule)
    .command(logoutCommand(run) as CommandModule)
    .demandCommand(1, 'name a command; see --help')
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      // yargs' own validation errors (YError: "Not enough arguments following: …") are usage.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(msg ?? err?.message ?? 'invalid arguments');
    })
    .version(version)
    .help()
    .alias('h', 'help')
    .wrap(100)
    .epilogue(
      'Exit codes: 0 ok, 1 operational failure, 2 bad input, 3 refused by policy, 4 integrity failure, 130/143 interrupted (SIGINT/SIGTERM).\nDocs: docs/cli.md',
    ) as unknown as Argv<GlobalArgs>;
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
