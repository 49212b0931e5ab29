import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  SecretSet
} from "./chunk-S4QOAIJ7.mjs";
import {
  takeIssuedCommand
} from "./chunk-LMJM2V7G.mjs";
import {
  escapeText
} from "./chunk-CTFZVZXF.mjs";
import "./chunk-CZ5OMZCG.mjs";
import "./chunk-MIN6OU75.mjs";
import "./chunk-LJTWE54T.mjs";
import "./chunk-T7E4FPN2.mjs";
import "./chunk-TTHS4RUE.mjs";
import "./chunk-HGDOUQOA.mjs";

// cli/output-guard.ts
import { Writable } from "node:stream";
var ERASE_LINE = "\r\x1B[K";
function guardText(text, state, opts) {
  const parts = text.split("\n");
  for (let i = 0; i < parts.length; i++) {
    let line = parts[i];
    const startsLine = i > 0 || state.atLineStart;
    const own = opts.commands && startsLine && takeIssuedCommand(line);
    let lead = "";
    if (opts.progress && line.startsWith(ERASE_LINE)) {
      lead = ERASE_LINE;
      line = line.slice(ERASE_LINE.length);
    }
    line = escapeText(opts.secrets.redact(line));
    if ((startsLine || lead) && !own) line = line.replace(/^(\s*):(?=:)/, "$1\\u003a");
    parts[i] = lead + line.replaceAll("##[", "##\\u005b");
  }
  if (text.length > 0) state.atLineStart = text.endsWith("\n");
  return parts.join("\n");
}
function guardStream(target, opts) {
  const state = { atLineStart: true };
  const w = new Writable({
    decodeStrings: false,
    write(chunk, _enc, done) {
      if (typeof chunk !== "string" && opts.bytes === "data") {
        target.write(chunk);
      } else {
        const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
        target.write(guardText(text, state, opts));
      }
      done();
    }
  });
  if (target.isTTY) w.isTTY = true;
  return w;
}
function guardIo(io, secrets = new SecretSet()) {
  if ("secrets" in io && io.secrets instanceof SecretSet) return io;
  return {
    ...io,
    secrets,
    stdout: guardStream(io.stdout, { secrets, commands: false, progress: false, bytes: "data" }),
    stderr: guardStream(io.stderr, {
      secrets,
      commands: true,
      progress: io.stderr.isTTY === true,
      bytes: "text"
    })
  };
}
export {
  guardIo,
  guardStream,
  guardText
};
