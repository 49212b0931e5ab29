/**
 * Promotion files (`promote --from-file`): a list of source → target entries, in JSON or
 * in a small, documented subset of YAML, validated as a whole with every problem reported
 * by line before anything is promoted.
 *
 * ```yaml
 * # promotions.yaml
 * promotions:
 *   - source: ghcr.io/acme/staging/api:1.4.2
 *     to: ghcr.io/acme/prod/api
 *     semver: true
 *     require-referrer: [application/vnd.dev.cosign.artifact.sig.v1+json]
 *   - source: ghcr.io/acme/staging/web@sha256:…
 *     to: ghcr.io/acme/prod/web
 *     tags:
 *       - 2024-06-01
 *       - stable
 * ```
 *
 * The shape: a top-level mapping whose only key is `promotions`, holding a list of
 * mappings — or that list at the top level; JSON files are the same shape
 * (`{"promotions": [...]}` or `[...]`). The text is parsed into a tree of nodes that know
 * their lines (doc-nodes.ts) by yaml-subset.ts (the YAML subset, documented in
 * docs/cli.md "Batch promotion") or json-lines.ts; this file checks that tree and turns
 * it into entries.
 */
import { UsageError } from '../errors.js';
import { type Platform, parsePlatform } from '../platform.js';
import {
  formatReference,
  isValidTag,
  parseReference,
  parseRepository,
  type Reference,
} from '../reference.js';
import { clip, MAX_DEPTH, type Node, type PromotionFileProblem } from './doc-nodes.js';
import { parseJson } from './json-lines.js';
import { parseYaml } from './yaml-subset.js';

export type { PromotionFileProblem } from './doc-nodes.js';

/** The keys an entry may have, in the order error messages list them. */
export const PROMOTION_KEYS = [
  'source',
  'to',
  'tags',
  'semver',
  'allow-overwrite',
  'require-referrer',
  'referrers',
  'platform',
] as const;

/** PromotionEntry is one validated entry of a promotions file. */
export interface PromotionEntry {
  /** 1-based line where the entry starts in the file. */
  line: number;
  /** `source`: a reference with a tag and/or a digest. */
  source: Reference;
  /** `to`: the target repository (no tag, no digest). */
  target: Reference;
  /** `tags`: tags to write (default: the source tag). */
  tags?: string[];
  /** `semver`. */
  semver?: boolean;
  /** `allow-overwrite`. */
  allowOverwrite?: boolean;
  /** `require-referrer`: artifact types the source digest must have referrers of. */
  requireReferrers?: string[];
  /** `referrers`: copy signatures, SBOMs and attestations too. */
  referrers?: boolean;
  /** `platform`: keep only these platforms of an index. */
  platforms?: Platform[];
}

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
}

/**
 * The largest promotions file read: 4 MiB is some 20 000 entries, far more than one batch
 * should hold; the limit bounds memory (parsing costs about 20 times the file's size).
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
export function parsePromotionFile(
  text: string,
  name: string,
  options: ParsePromotionFileOptions = {},
): PromotionEntry[] {
  if (Buffer.byteLength(text) > MAX_PROMOTION_FILE_BYTES) throw tooLarge(name);
  const problems: PromotionFileProblem[] = [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const format = options.format ?? detectFormat(body, name);
  const root = format === 'json' ? parseJson(body, problems) : parseYaml(body, problems);
  const entries = root === undefined && problems.length > 0 ? [] : toEntries(root, problems);
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
  };
}

function detectFormat(text: string, name: string): 'json' | 'yaml' {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\s*[[{]/.test(text) ? 'json' : 'yaml';
}

// ---------------------------------------------------------------------------------------------
// From the tree to entries

const EXPECTED_KEYS = PROMOTION_KEYS.join(', ');

function describe(node: Node): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  if (node.kind === 'invalid' || node.type === 'null') return 'empty';
  return node.type === 'string' ? `the string ${JSON.stringify(clip(node.text))}` : node.text;
}

function toEntries(root: Node | undefined, problems: PromotionFileProblem[]): PromotionEntry[] {
  const expected = 'expected a list of promotions: "promotions:" followed by "- source: …" entries';
  if (root === undefined) {
    problems.push({ line: 1, message: `the file is empty: ${expected}` });
    return [];
  }
  let list: Node | undefined = root;
  if (root.kind === 'map') {
    list = undefined;
    for (const e of root.entries) {
      if (e.key === 'promotions') list = e.value;
      else {
        problems.push({ line: e.line, message: `unknown key "${e.key}" (expected promotions)` });
      }
    }
    if (list === undefined) {
      problems.push({ line: root.line, message: `missing key "promotions": ${expected}` });
      return [];
    }
  }
  if (list.kind === 'invalid') return [];
  if (list.kind !== 'seq') {
    problems.push({ line: list.line, message: `${expected}, found ${describe(list)}` });
    return [];
  }
  if (list.items.length === 0) {
    problems.push({ line: list.line, message: 'the list of promotions is empty' });
    return [];
  }
  const entries: PromotionEntry[] = [];
  const firstOf = new Map<string, number>();
  for (const item of list.items) {
    const entry = toEntry(item, problems);
    if (!entry) continue;
    const key = `${formatReference(entry.source)} -> ${formatReference(entry.target)}`;
    const first = firstOf.get(key);
    if (first !== undefined) {
      problems.push({
        line: entry.line,
        message: `the same source and to as the entry on line ${first}`,
      });
      continue;
    }
    firstOf.set(key, entry.line);
    entries.push(entry);
  }
  return entries;
}

function toEntry(item: Node, problems: PromotionFileProblem[]): PromotionEntry | undefined {
  if (item.kind === 'invalid') return undefined;
  if (item.kind !== 'map') {
    problems.push({
      line: item.line,
      message: `each promotion is a mapping with source and to, found ${describe(item)}`,
    });
    return undefined;
  }
  const before = problems.length;
  const problem = (line: number, message: string) => problems.push({ line, message });
  const values = new Map<string, { line: number; value: Node }>();
  for (const e of item.entries) {
    if ((PROMOTION_KEYS as readonly string[]).includes(e.key)) {
      values.set(e.key, { line: e.line, value: e.value });
    } else {
      problem(e.line, `unknown key "${e.key}" (expected ${EXPECTED_KEYS})`);
    }
  }

  const str = (key: string, node: Node): string | undefined => {
    if (node.kind === 'invalid') return undefined;
    if (node.kind === 'scalar' && node.type === 'null') {
      problem(node.line, `${key} needs a value`);
    } else if (
      node.kind === 'scalar' &&
      (node.type === 'string' || (node.plain && node.type === 'number'))
    ) {
      if (node.text.trim() === '') problem(node.line, `${key} needs a value`);
      else return node.text;
    } else {
      problem(node.line, `${key} must be a string, found ${describe(node)}`);
    }
    return undefined;
  };
  const bool = (key: string): boolean | undefined => {
    const v = values.get(key);
    if (!v) return undefined;
    const node = v.value;
    if (node.kind === 'invalid') return undefined;
    if (node.kind === 'scalar' && node.type === 'boolean') return /^t/i.test(node.text);
    problem(v.line, `${key} must be true or false, found ${describe(node)}`);
    return undefined;
  };
  /** A list of strings; one scalar is read as a list of one. */
  const list = (key: string): Array<{ value: string; line: number }> | undefined => {
    const v = values.get(key);
    if (!v) return undefined;
    const node = v.value;
    if (node.kind === 'invalid') return undefined;
    if (node.kind === 'scalar' && node.type === 'null') {
      problem(v.line, `${key} needs a value`);
      return undefined;
    }
    if (node.kind === 'map') {
      problem(v.line, `${key} must be a list, found a mapping`);
      return undefined;
    }
    const out: Array<{ value: string; line: number }> = [];
    for (const item of node.kind === 'seq' ? node.items : [node]) {
      const s = str(`${key} item`, item);
      if (s !== undefined) out.push({ value: s, line: item.line });
    }
    return out;
  };
  const reference = (
    key: 'source' | 'to',
    parse: (s: string) => Reference,
  ): Reference | undefined => {
    const v = values.get(key);
    if (!v) {
      problem(item.line, `missing ${key}`);
      return undefined;
    }
    const s = str(key, v.value);
    if (s === undefined) return undefined;
    try {
      return parse(s);
    } catch (e) {
      problem(v.line, `${key}: ${(e as Error).message}`);
      return undefined;
    }
  };

  const source = reference('source', parseReference);
  const target = reference('to', parseRepository);
  if (source && source.tag === undefined && source.digest === undefined) {
    problem(
      values.get('source')?.line ?? item.line,
      `source ${JSON.stringify(formatReference(source))} needs a tag or a digest`,
    );
  }

  let tags: string[] | undefined;
  const tagItems = list('tags');
  if (tagItems) {
    tags = [];
    const node = values.get('tags')?.value;
    if (node?.kind === 'seq' && node.items.length === 0) {
      problem(node.line, 'tags is empty: leave it out to write the source tag');
    }
    for (const t of tagItems) {
      if (!isValidTag(t.value)) {
        problem(
          t.line,
          `invalid tag ${JSON.stringify(clip(t.value))}: 1-128 characters of [A-Za-z0-9_.-], not starting with "." or "-"`,
        );
      } else if (tags.includes(t.value)) {
        problem(t.line, `tag "${t.value}" is listed twice`);
      } else tags.push(t.value);
    }
  } else if (source && source.tag === undefined && source.digest !== undefined) {
    problem(
      values.get('source')?.line ?? item.line,
      'source has a digest but no tag: give tags to name the tags to write',
    );
  }

  const semver = bool('semver');
  const allowOverwrite = bool('allow-overwrite');
  const referrers = bool('referrers');

  let requireReferrers: string[] | undefined;
  const required = list('require-referrer');
  if (required) {
    requireReferrers = [];
    for (const r of required) {
      if (/\s/.test(r.value)) {
        problem(
          r.line,
          `require-referrer ${JSON.stringify(clip(r.value))}: an artifact type has no spaces`,
        );
      } else if (!requireReferrers.includes(r.value)) requireReferrers.push(r.value);
    }
  }

  let platforms: Platform[] | undefined;
  const platformItems = list('platform');
  if (platformItems) {
    platforms = [];
    for (const p of platformItems) {
      try {
        platforms.push(parsePlatform(p.value));
      } catch (e) {
        problem(p.line, `platform: ${(e as Error).message}`);
      }
    }
  }

  if (problems.length > before || !source || !target) return undefined;
  return {
    line: item.line,
    source,
    target,
    ...(tags !== undefined && { tags }),
    ...(semver !== undefined && { semver }),
    ...(allowOverwrite !== undefined && { allowOverwrite }),
    ...(requireReferrers !== undefined && { requireReferrers }),
    ...(referrers !== undefined && { referrers }),
    ...(platforms !== undefined && { platforms }),
  };
}
