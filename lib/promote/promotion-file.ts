/**
 * Promotion files (`promote --from-file`): a list of source → target entries, in YAML or
 * JSON, validated as a whole with every problem reported by line before anything is
 * promoted.
 *
 * ```yaml
 * # promotions.yaml
 * promotions:
 *   - source: ghcr.io/acme/staging/api:1.4.2
 *     to: ghcr.io/acme/prod/api
 *     semver: true
 *     require-referrer: [application/vnd.dev.cosign.artifact.sig.v1+json]
 *     require-verified: [staging]        # stage evidence (attest), max-age, evidence-repo
 *   - source: ghcr.io/acme/staging/web@sha256:…
 *     to: ghcr.io/acme/prod/web
 *     tags:
 *       - 2024-06-01
 *       - stable
 * ```
 *
 * The shape: a top-level mapping with the key `promotions`, holding a list of mappings,
 * and optionally `defaults`, a mapping of entry keys (not source, to or tags) that apply
 * to every entry that does not say otherwise — or the list alone at the top level; JSON files are the same shape
 * (`{"promotions": [...]}` or `[...]`). promotion-yaml.ts and promotion-json.ts parse the
 * text into a tree whose nodes know their lines; promotion-entries.ts checks it. The
 * parsers are loaded only when a file is read, so no other command pays for them.
 */
import { UsageError } from '../errors.js';
import { formatReference } from '../reference.js';
import {
  MAX_DEPTH,
  type PromotionEntry,
  type PromotionFileProblem,
  toEntries,
} from './promotion-entries.js';

export {
  DEFAULT_KEYS,
  PROMOTION_KEYS,
  type PromotionEntry,
  type PromotionFileProblem,
} from './promotion-entries.js';

/** PromotionSpec is an entry written back in the file's own terms (for JSON output). */
export interface PromotionSpec {
  source: string;
  to: string;
  tags?: string[];
  semver?: boolean;
  'allow-overwrite'?: boolean;
  'require-referrer'?: string[];
  referrers?: boolean;
  platform?: string[];
  'require-verified'?: string[];
  'max-age'?: string;
  'evidence-repo'?: string;
}

/**
 * The largest promotions file read: 4 MiB is some 20 000 entries, far more than one batch
 * should hold; the limit bounds memory (reading YAML peaks near 100 times the file's size:
 * the yaml package's token tree and document; JSON near half that).
 */
export const MAX_PROMOTION_FILE_BYTES = 4 * 1024 * 1024;
/** The deepest nesting of lists and mappings accepted (real files need 4). */
export const MAX_PROMOTION_FILE_DEPTH = MAX_DEPTH;

/** How many problems the error message lists (all of them are in `problems`). */
const LISTED_PROBLEMS = 20;

/**
 * PromotionFileError: a promotions file that cannot be used. `problems` lists every
 * problem found, by line; the message names them all (up to 20) on one line.
 */
export class PromotionFileError extends UsageError {
  override readonly code = 'ERR_PROMOTION_FILE';
  constructor(
    readonly file: string,
    readonly problems: readonly PromotionFileProblem[],
  ) {
    const listed = problems.slice(0, LISTED_PROBLEMS).map((p) => `${file}:${p.line}: ${p.message}`);
    if (problems.length > LISTED_PROBLEMS) {
      listed.push(`… and ${problems.length - LISTED_PROBLEMS} more`);
    }
    super(
      problems.length === 1
        ? (listed[0] as string)
        : `${file} has ${problems.length} problems: ${listed.join('; ')}`,
    );
  }
}

/** tooLarge is the error of a file over MAX_PROMOTION_FILE_BYTES. */
function tooLarge(name: string): PromotionFileError {
  return new PromotionFileError(name, [
    {
      line: 1,
      message: `the file is larger than ${MAX_PROMOTION_FILE_BYTES} bytes (${MAX_PROMOTION_FILE_BYTES / 1024 / 1024} MiB), the limit for promotions files; split it, e.g. one file per team`,
    },
  ]);
}

/**
 * readPromotionSource reads a promotions file from a stream (a file, a pipe, stdin) as
 * UTF-8, and stops with PromotionFileError as soon as it holds more than
 * MAX_PROMOTION_FILE_BYTES: a huge or endless input is never read whole.
 */
export async function readPromotionSource(
  source: AsyncIterable<Buffer | string>,
  name: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_PROMOTION_FILE_BYTES) throw tooLarge(name);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Options of parsePromotionFile. */
export interface ParsePromotionFileOptions {
  /** Force a syntax; default: by extension (.json, .yaml/.yml), else by the first character. */
  format?: 'json' | 'yaml';
}

/**
 * parsePromotionFile parses and validates a promotions file. `name` is how messages
 * name the file (e.g. the path as given). Throws PromotionFileError listing every
 * problem; returns the entries in file order otherwise.
 */
export async function parsePromotionFile(
  text: string,
  name: string,
  options: ParsePromotionFileOptions = {},
): Promise<PromotionEntry[]> {
  if (Buffer.byteLength(text) > MAX_PROMOTION_FILE_BYTES) throw tooLarge(name);
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const format = options.format ?? detectFormat(body, name);
  const syntax: PromotionFileProblem[] = [];
  const checks: PromotionFileProblem[] = [];
  const root =
    format === 'json'
      ? (await import('./promotion-json.js')).jsonTree(body, syntax, checks)
      : (await import('./promotion-yaml.js')).yamlTree(body, syntax, checks);
  const entries = root === undefined && syntax.length > 0 ? [] : toEntries(root, checks);
  // A syntax problem leaves the tree around it uncertain: what the checks find on its line
  // would only repeat it. Elsewhere they run, so that one pass reports everything.
  const syntaxLines = new Set(syntax.map((p) => p.line));
  const problems = [...syntax, ...checks.filter((p) => !syntaxLines.has(p.line))];
  if (problems.length > 0) {
    throw new PromotionFileError(
      name,
      // Stable sort: problems on one line stay in the order they were found.
      problems
        .map((p, i) => ({ p, i }))
        .sort((a, b) => a.p.line - b.p.line || a.i - b.i)
        .map(({ p }) => p),
    );
  }
  return entries;
}

/** formatPromotionEntry renders an entry with the file's keys (for `--json` output). */
export function formatPromotionEntry(entry: PromotionEntry): PromotionSpec {
  return {
    source: formatReference(entry.source),
    to: formatReference(entry.target),
    ...(entry.tags !== undefined && { tags: [...entry.tags] }),
    ...(entry.semver !== undefined && { semver: entry.semver }),
    ...(entry.allowOverwrite !== undefined && { 'allow-overwrite': entry.allowOverwrite }),
    ...(entry.requireReferrers !== undefined && {
      'require-referrer': [...entry.requireReferrers],
    }),
    ...(entry.referrers !== undefined && { referrers: entry.referrers }),
    ...(entry.platforms !== undefined && {
      platform: entry.platforms.map((p) =>
        [p.os, p.architecture, p.variant].filter(Boolean).join('/'),
      ),
    }),
    ...(entry.requireVerified !== undefined && {
      'require-verified': [...entry.requireVerified],
    }),
    ...(entry.maxAge !== undefined && { 'max-age': entry.maxAge }),
    ...(entry.evidenceRepository !== undefined && {
      'evidence-repo': formatReference(entry.evidenceRepository),
    }),
  };
}

function detectFormat(text: string, name: string): 'json' | 'yaml' {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\s*[[{]/.test(text) ? 'json' : 'yaml';
}
