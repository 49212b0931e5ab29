#!/usr/bin/env node
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

// undici parses HTTP with llhttp compiled to WebAssembly; V8's optimizing tier for that
// module costs ~35 MiB of resident memory and buys nothing measurable here (responses
// are mostly body bytes, which llhttp only counts). The baseline tier is enough.
setFlagsFromString('--liftoff-only');
// Lets the CLI collect streamed chunks as it goes (memory.ts); nothing else uses it.
setFlagsFromString('--expose-gc');
// Node ≥ 22.1 can cache compiled code between runs: faster start-up for every command.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { main } = await import('./main.js');
const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted')));
process.once('SIGTERM', () => controller.abort(new Error('terminated')));

// Last resort: a promise that can never settle empties the event loop, and Node would end
// with exit code 13 and no word. End like any other failure instead: a line, a JSON error.
let finished = false;
process.once('beforeExit', () => {
  if (finished) return;
  const message = 'the command stopped before finishing (an internal error: please report it)';
  process.stderr.write(`oci-promote: error: ${message} [ERR_UNEXPECTED]\n`);
  if (process.argv.includes('--json')) {
    process.stdout.write(
      `${JSON.stringify({ error: { code: 'ERR_UNEXPECTED', message } }, null, 2)}\n`,
    );
  }
  process.exitCode = 1;
});

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: controller.signal,
});
finished = true;
