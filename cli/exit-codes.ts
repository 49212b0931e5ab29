/**
 * Exit codes of the CLI contract (docs/cli.md, exit codes) and the one-line hint printed with
 * each kind of failure, saying what to do about it.
 */
import { constants } from 'node:os';
import { type ErrorSummary, type InterruptedError, isOciPromoteError } from '../lib/index.js';
import { docsUrl } from './docs-url.js';

/** EXIT names the exit codes (an interrupted command exits 128 + the signal's number). */
export const EXIT = { ok: 0, failure: 1, usage: 2, policy: 3, integrity: 4 } as const;

/** exitCodeOf maps a thrown value to its exit code: by category, else 1. */
export function exitCodeOf(e: unknown): number {
  if (!isOciPromoteError(e)) return EXIT.failure;
  switch (e.category) {
    case 'interrupted': {
      // The shell's convention: 130 for SIGINT, 143 for SIGTERM.
      const name = (e as InterruptedError).signal as keyof typeof constants.signals;
      return 128 + (constants.signals[name] ?? constants.signals.SIGINT);
    }
    case 'usage':
      return EXIT.usage;
    case 'policy':
      return EXIT.policy;
    case 'integrity':
      return EXIT.integrity;
    default:
      return EXIT.failure;
  }
}

const hints: Record<string, string> = {
  ERR_USAGE: 'see --help',
  ERR_INVALID_REFERENCE: 'write references as host[:port]/path[:tag][@sha256:digest]',
  ERR_INVALID_DIGEST: 'digests are sha256:<64 hex> or sha512:<128 hex>, lowercase',
  ERR_NOT_FOUND: 'check the registry, repository and tag names',
  ERR_UNAUTHORIZED:
    'check the credentials: run `oci-promote login <registry>`, or set GITHUB_TOKEN for ghcr.io',
  ERR_AUTH: 'check the credentials and the Docker config (`oci-promote login <registry>`)',
  ERR_RATE_LIMITED: 'the registry is rate limiting; retry later or authenticate for a higher limit',
  ERR_REGISTRY_UNAVAILABLE: 'the registry is failing; retry later',
  ERR_NETWORK: 'check the address; use --plain-http for http registries, --ca-file for private CAs',
  ERR_REDIRECT: 'the registry redirected somewhere this tool will not follow',
  ERR_DIGEST_MISMATCH:
    'content is not what its digest says; nothing was tagged — check the source registry',
  ERR_SIZE_MISMATCH:
    'content is not the size its descriptor says; nothing was tagged — check the source registry',
  ERR_MANIFEST_INVALID: 'the manifest cannot be trusted; nothing was tagged',
  ERR_MANIFEST_TOO_LARGE: 'manifests over 4 MiB are refused',
  ERR_POLICY: `nothing was written; see ${docsUrl('image-tagging-strategy.md')}`,
  ERR_VERIFY_FAILED: 're-run the copy or promotion to repair what is missing',
  ERR_UNSUPPORTED_MEDIA_TYPE: 're-push the image with a current client',
  ERR_INTERRUPTED:
    'no tag was written after the interruption; re-run the same command to finish (what was copied is skipped)',
  ERR_UNSAFE_LAYOUT: `the layout directory was refused; see ${docsUrl('oci-layout.md')}`,
  ERR_TAG_CONFLICT:
    'another writer moved the tag; see `oci-promote history` for who, and re-run once it is done',
};

/** hintFor returns advice for an error code (and its message), if there is any. */
export function hintFor(code: string, message = ''): string | undefined {
  // Where a repository was asked for, the reference grammar's [:tag] would contradict it.
  if (code === 'ERR_INVALID_REFERENCE' && message.startsWith('invalid repository ')) {
    return 'write a repository as host[:port]/path, without tag or digest';
  }
  return hints[code];
}

/**
 * failureLine is the stderr line (after `oci-promote: `) of a command that returned a failure
 * instead of throwing one (verify, a tag conflict): the same form as a thrown error's.
 */
export function failureLine(code: string, message: string): string {
  return `error: ${failureText({ code, message })}`;
}

/**
 * failureText is the one line a failure is reported with, on stderr and in annotations:
 * `<message> — <hint> [<code>]`. A message that already says what to do (" — ") gets no
 * generic hint after it.
 */
export function failureText({ code, message }: ErrorSummary): string {
  const hint = message.includes(' — ') ? undefined : hintFor(code, message);
  return `${message}${hint ? ` — ${hint}` : ''} [${code}]`;
}
