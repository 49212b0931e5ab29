import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  docsUrl
} from "./chunk-MIN6OU75.mjs";
import {
  isOciPromoteError
} from "./chunk-TTHS4RUE.mjs";

// cli/exit-codes.ts
import { constants } from "node:os";
var EXIT = { ok: 0, failure: 1, usage: 2, policy: 3, integrity: 4 };
function exitCodeOf(e) {
  if (!isOciPromoteError(e)) return EXIT.failure;
  switch (e.category) {
    case "interrupted": {
      const name = e.signal;
      return 128 + (constants.signals[name] ?? constants.signals.SIGINT);
    }
    case "usage":
      return EXIT.usage;
    case "policy":
      return EXIT.policy;
    case "integrity":
      return EXIT.integrity;
    default:
      return EXIT.failure;
  }
}
var hints = {
  ERR_USAGE: "see --help",
  ERR_INVALID_REFERENCE: "write references as host[:port]/path[:tag][@sha256:digest]",
  ERR_INVALID_DIGEST: "digests are sha256:<64 hex> or sha512:<128 hex>, lowercase",
  ERR_NOT_FOUND: "check the registry, repository and tag names",
  ERR_UNAUTHORIZED: "check the credentials: run `oci-promote login <registry>`, or set GITHUB_TOKEN for ghcr.io",
  ERR_AUTH: "check the credentials and the Docker config (`oci-promote login <registry>`)",
  ERR_RATE_LIMITED: "the registry is rate limiting; retry later or authenticate for a higher limit",
  ERR_REGISTRY_UNAVAILABLE: "the registry is failing; retry later",
  ERR_NETWORK: "check the address; use --plain-http for http registries, --ca-file for private CAs",
  ERR_REDIRECT: "the registry redirected somewhere this tool will not follow",
  ERR_DIGEST_MISMATCH: "content is not what its digest says; nothing was tagged \u2014 check the source registry",
  ERR_SIZE_MISMATCH: "content is not the size its descriptor says; nothing was tagged \u2014 check the source registry",
  ERR_MANIFEST_INVALID: "the manifest cannot be trusted; nothing was tagged",
  ERR_MANIFEST_TOO_LARGE: "manifests over 4 MiB are refused",
  ERR_POLICY: `nothing was written; see ${docsUrl("image-tagging-strategy.md")}`,
  ERR_VERIFY_FAILED: "re-run the copy or promotion to repair what is missing",
  ERR_UNSUPPORTED_MEDIA_TYPE: "re-push the image with a current client",
  ERR_INTERRUPTED: "no tag was written after the interruption; re-run the same command to finish (what was copied is skipped)",
  ERR_UNSAFE_LAYOUT: `the layout directory was refused; see ${docsUrl("oci-layout.md")}`,
  ERR_TAG_CONFLICT: "another writer moved the tag; see `oci-promote history` for who, and re-run once it is done"
};
function hintFor(code, message = "") {
  if (code === "ERR_INVALID_REFERENCE" && message.startsWith("invalid repository ")) {
    return "write a repository as host[:port]/path, without tag or digest";
  }
  return hints[code];
}
function failureLine(code, message) {
  return `error: ${failureText({ code, message })}`;
}
function failureText({ code, message }) {
  const hint = message.includes(" \u2014 ") ? void 0 : hintFor(code, message);
  return `${message}${hint ? ` \u2014 ${hint}` : ""} [${code}]`;
}

export {
  EXIT,
  exitCodeOf,
  hintFor,
  failureLine,
  failureText
};
