/**
 * main: parse argv with yargs, run the command, and hand what it returned or threw to
 * render.ts (text or `--json`, exit codes of the CLI contract). No registry logic lives here.
 *
 * Start-up: this module loads only yargs and the command list. A command's module, the
 * runtime (logger, registry client), the output guard and render.ts are imported when they
 * are needed, so `--help` does not load the library (undici, pino); scripts/bundle/build.mjs
 * checks that the bundle keeps it so.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { UsageError } from '../lib/errors.js';
import type { CommandParts, RunCommand } from './command.js';
import { COMMANDS, type CommandEntry } from './commands/index.js';
import { docsUrl } from './docs-url.js';
import { LOG_LEVELS } from './log-levels.js';
import type { GuardedIo } from './output-guard.js';
import type { CliIo, CommandOutput, GlobalArgs } from './runtime.js';
import { version } from './version.js';

/** main runs the CLI and resolves to the process exit code. */
export async function main(argv: readonly string[], rawIo: CliIo): Promise<number> {
  // Everything a command or a failure prints passes the guard: secrets masked, registry
  // text made inert (output-guard.ts).
  let guarded: Promise<GuardedIo> | undefined;
  const io = () => {
    guarded ??= import('./output-guard.js').then((m) => m.guardIo(rawIo));
    return guarded;
  };
  let output: CommandOutput | undefined;
  let failure: unknown;
  let json = argv.includes('--json');

  const run: RunCommand = async (args, body) => {
    json = args.json;
    const { Runtime } = await import('./runtime.js');
    const rt = new Runtime(await io(), args);
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
      if (err) failure ??= usageError(err);
      printed = out;
    });
  } catch (e) {
    failure ??= usageError(e);
  }

  if (failure === undefined && printed) {
    // --help, --version: yargs rendered our own text (no secret, no registry text), so
    // the guard and with it the library are not loaded for it.
    rawIo.stdout.write(`${printed}\n`);
    return 0;
  }
  const { render } = await import('./render.js');
  return render({ output, failure, json }, await io());
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
      describe:
        'http:// for the registries of this command; --no-plain-http: https even on loopback (default: http for localhost, 127.0.0.0/8 and ::1 only)',
    })
    .option('insecure', {
      type: 'boolean',
      default: false,
      describe: 'skip TLS certificate verification',
    })
    .option('ca-file', { type: 'string', describe: 'PEM file of extra CA certificates to trust' })
    .option('registry-config', {
      type: 'string',
      describe:
        'credentials file to read, and login/logout to write (default: $REGISTRY_AUTH_FILE, else the Docker config)',
    })
    .command(COMMANDS.map((entry) => lazyCommand(entry, run)))
    .demandCommand(1, 'name a command')
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
      `Exit codes: 0 ok, 1 operational failure, 2 bad input, 3 refused by policy, 4 integrity failure, 130/143 interrupted (SIGINT/SIGTERM).\nDocs: ${docsUrl('cli.md')}`,
    ) as unknown as Argv<GlobalArgs>;
}

/**
 * lazyCommand registers a command by name and description only; yargs awaits an async
 * builder, so the command's module is imported when the command is parsed (to run it or
 * show its --help), never for another command or the top-level --help.
 */
function lazyCommand(entry: CommandEntry, run: RunCommand): CommandModule {
  let parts: CommandParts<unknown> | undefined;
  return {
    command: entry.command,
    describe: entry.describe,
    builder: async (y) => {
      parts = await entry.load(run);
      skipHelpCache(y);
      return parts.builder(y);
    },
    // yargs runs the builder before the handler, so the module is loaded by now.
    handler: (args) => parts!.handler(args),
  };
}

/**
 * skipHelpCache: yargs renders a command's whole help as the command starts, and keeps it
 * for showHelp() after the run, which we never call (a failure prints its error and the
 * hint `--help` instead): ~10 ms of every command. Through yargs' internal methods; should
 * they change, yargs renders the help as before.
 */
function skipHelpCache(y: Argv): void {
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => UsageInstance } };
  type UsageInstance = { cacheHelpMessage?: () => void };
  const usage = (y as unknown as Internal).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * usageError: a YError is usage (exit 2), as in `.fail()` above. Those of a command's flags
 * do not reach `.fail()`: its builder is async (lazyCommand), and yargs rejects the parse
 * with them instead.
 */
function usageError(e: unknown): unknown {
  return e instanceof Error && e.name === 'YError' ? new UsageError(e.message) : e;
}
