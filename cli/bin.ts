#!/usr/bin/env node
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

// undici parses HTTP with llhttp compiled to WebAssembly; V8's optimizing tier for that
// module costs ~35 MiB of resident memory and buys nothing measurable here (responses
// are mostly body bytes, which llhttp only counts). The baseline tier is enough.
setFlagsFromString('--liftoff-only');
// Lets the CLI collect garbage as it goes (memory.ts: streamed chunks, a batch's entries).
setFlagsFromString('--expose-gc');
// Node ≥ 22.1 can cache compiled code between runs: faster start-up for every command.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// `--version` or `--help` alone needs none of the CLI (yargs, the commands): answered
// before loading it. The help is the text the build rendered with this very bundle
// (scripts/bundle/build.mjs); from the sources, or without that file, yargs renders it.
const alone = process.argv.length === 3 ? process.argv[2] : undefined;
const help = alone === '--help' || alone === '-h' ? renderedHelp() : undefined;
if (alone === '--version') {
  const { version } = await import('./version.js');
  process.stdout.write(`${version}\n`);
} else if (help !== undefined) {
  process.stdout.write(help);
} else {
  await run();
}

function renderedHelp(): string | undefined {
  try {
    return readFileSync(new URL('./oci-promote/help.txt', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

async function run(): Promise<void> {
  // Imported only now, so that the flags above apply to everything the CLI loads.
  const { main } = await import('./main.js');
  const { InterruptedError } = await import('../lib/errors.js');

  // The first SIGINT/SIGTERM aborts the command: requests and writes stop, temporary files
  // are removed, no tag is written after it, and main reports "interrupted" (exit 130/143).
  // A second signal exits at once, for whatever an abort does not reach (a read of stdin).
  const controller = new AbortController();
  // Every request in flight listens to this one signal: a batch runs 8 promotions at once.
  setMaxListeners(1000, controller.signal);
  const onSignal = (signal: NodeJS.Signals) => {
    const stop = new InterruptedError(signal);
    if (!controller.signal.aborted) {
      controller.abort(stop);
      return;
    }
    // Loaded with the command that is running (they are not needed to start it).
    void Promise.all([import('./exit-codes.js'), import('./render.js')]).then(
      ([{ exitCodeOf }, { errorDocument }]) => {
        process.stderr.write(
          `oci-promote: error: ${stop.message} again: exiting at once [${stop.code}]\n`,
        );
        if (process.argv.includes('--json')) {
          process.stdout.write(errorDocument(stop.code, stop.message));
        }
        process.exit(exitCodeOf(stop));
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const code = await main(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: controller.signal,
  });
  // Interrupted: what is left (a keep-alive socket, a pending read) is not waited for.
  if (controller.signal.aborted) process.exit(code);
  process.exitCode = code;
}
