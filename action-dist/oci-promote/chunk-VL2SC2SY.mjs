import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  done,
  formatBytes
} from "./chunk-CTFZVZXF.mjs";
import {
  shortDigest
} from "./chunk-T7E4FPN2.mjs";

// cli/progress.ts
function createProgress(stderr, logger, enabled) {
  if (!enabled) return { onEvent: () => {
  }, done: () => {
  } };
  return stderr.isTTY ? terminalProgress(stderr) : logProgress(logger);
}
function progressFor(rt, dryRun) {
  return dryRun ? planProgress(rt.logger) : rt.progress();
}
function planProgress(logger) {
  return {
    onEvent(e) {
      if (e.type === "blob" && e.action !== "skipped") {
        logger.info(
          { digest: e.descriptor.digest, size: e.descriptor.size },
          `blob ${done(e.action, true)}`
        );
      } else if (e.type === "warning") {
        logger.warn({}, e.message);
      }
    },
    done() {
    }
  };
}
function logProgress(logger) {
  return {
    onEvent(e) {
      if (e.type === "blob" && e.action !== "skipped") {
        logger.info({ digest: e.descriptor.digest, size: e.descriptor.size }, `blob ${e.action}`);
      } else if (e.type === "warning") {
        logger.warn({}, e.message);
      }
    },
    done() {
    }
  };
}
function terminalProgress(stderr) {
  const active = /* @__PURE__ */ new Map();
  let finished = 0;
  let bytesDone = 0;
  let last = 0;
  const started = Date.now();
  let shown = false;
  const draw = (force) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let inFlight = 0;
    for (const a of active.values()) inFlight += a.bytes;
    const total = bytesDone + inFlight;
    const rate = total / Math.max(1e-3, (now - started) / 1e3);
    const current = [...active.keys()].slice(0, 2).map(shortDigest).join(" ");
    stderr.write(
      `\r\x1B[K${finished} blob(s) done, ${active.size} in flight, ${formatBytes(total)} at ${formatBytes(rate)}/s ${current}`
    );
    shown = true;
  };
  return {
    onEvent(e) {
      if (e.type === "blob-start")
        active.set(e.descriptor.digest, { bytes: 0, size: e.descriptor.size });
      else if (e.type === "blob-progress") {
        const a = active.get(e.descriptor.digest);
        if (a) a.bytes = e.bytes;
      } else if (e.type === "blob") {
        active.delete(e.descriptor.digest);
        finished++;
        if (e.action === "copied") bytesDone += e.descriptor.size;
      } else if (e.type === "warning") {
        stderr.write(`\r\x1B[Kwarning: ${e.message}
`);
      }
      draw(false);
    },
    done() {
      if (shown) stderr.write("\r\x1B[K");
    }
  };
}

export {
  createProgress,
  progressFor
};
