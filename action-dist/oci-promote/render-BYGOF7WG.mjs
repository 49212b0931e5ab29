import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  EXIT,
  exitCodeOf,
  failureText
} from "./chunk-CZ5OMZCG.mjs";
import "./chunk-MIN6OU75.mjs";
import "./chunk-LJTWE54T.mjs";
import "./chunk-T7E4FPN2.mjs";
import {
  errorSummary,
  isOciPromoteError
} from "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/render.ts
function render({ output, failure, json }, io) {
  const stop = interruption(io.signal);
  if (failure !== void 0) return fail(stop ?? failure, json, io);
  if (!output) return EXIT.ok;
  if (json) io.stdout.write(`${JSON.stringify(output.json, null, 2)}
`);
  else if (output.raw) io.stdout.write(output.raw);
  else if (output.text.length > 0) io.stdout.write(`${output.text.join("\n")}
`);
  if (output.exitCode) {
    if (output.failure) io.stderr.write(`oci-promote: ${output.failure}
`);
    return stop ? fail(stop, false, io) : output.exitCode;
  }
  return EXIT.ok;
}
function interruption(signal) {
  const reason = signal?.aborted ? signal.reason : void 0;
  return isOciPromoteError(reason) && reason.category === "interrupted" ? reason : void 0;
}
function errorDocument(code, message) {
  return `${JSON.stringify({ error: { code, message } }, null, 2)}
`;
}
function fail(e, json, io) {
  const failure = errorSummary(e);
  io.stderr.write(`oci-promote: error: ${failureText(failure)}
`);
  if (json) io.stdout.write(errorDocument(failure.code, failure.message));
  if (!isOciPromoteError(e) && e instanceof Error && e.stack) {
    io.stderr.write(`${e.stack}
`);
  }
  return exitCodeOf(e);
}
export {
  errorDocument,
  render
};
