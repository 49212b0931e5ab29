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

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: controller.signal,
});
