#!/usr/bin/env node
import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);

// cli/bin.ts
import { readFileSync } from "node:fs";
import module from "node:module";
import { setFlagsFromString } from "node:v8";
setFlagsFromString("--liftoff-only");
setFlagsFromString("--expose-gc");
module.enableCompileCache?.();
var alone = process.argv.length === 3 ? process.argv[2] : void 0;
var help = alone === "--help" || alone === "-h" ? renderedHelp() : void 0;
if (alone === "--version") {
  const { version } = await import("./oci-promote/version-FMK4KFPD.mjs");
  process.stdout.write(`${version}
`);
} else if (help !== void 0) {
  process.stdout.write(help);
} else {
  await run();
}
function renderedHelp() {
  try {
    return readFileSync(new URL("./oci-promote/help.txt", import.meta.url), "utf8");
  } catch {
    return void 0;
  }
}
async function run() {
  const { main } = await import("./oci-promote/main-MHC4X2EN.mjs");
  const { InterruptedError } = await import("./oci-promote/errors-2FWB4Q5F.mjs");
  const controller = new AbortController();
  const onSignal = (signal) => {
    const stop = new InterruptedError(signal);
    if (!controller.signal.aborted) {
      controller.abort(stop);
      return;
    }
    void Promise.all([import("./oci-promote/exit-codes-A7JEP7NG.mjs"), import("./oci-promote/render-BYGOF7WG.mjs")]).then(
      ([{ exitCodeOf }, { errorDocument }]) => {
        process.stderr.write(
          `oci-promote: error: ${stop.message} again: exiting at once [${stop.code}]
`
        );
        if (process.argv.includes("--json")) {
          process.stdout.write(errorDocument(stop.code, stop.message));
        }
        process.exit(exitCodeOf(stop));
      }
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await main(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: controller.signal
  });
  if (controller.signal.aborted) process.exit(code);
  process.exitCode = code;
}
