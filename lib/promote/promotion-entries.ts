/**
 * From a promotions file's document tree to entries. Both syntaxes (promotion-yaml.ts,
 * promotion-json.ts) turn their parser's tree into the small tree below, in which every
 * node knows its line; this file checks it and collects every problem, by line, rather
 * than stopping at the first.
 */
import { type Platform, parsePlatform } from '../platform.js';
import {
  formatReference,
  isValidTag,
  parseReference,
  parseRepository,
  type Reference,
} from '../reference.js';

/**
 * The deepest nesting of lists and mappings either syntax accepts. Real files need 4
 * (promotions, an entry, its tags, a tag); the limit stops a file built to exhaust the
 * stack or the memory (docs/cli.md, "Batch promotion").
 */
export const MAX_DEPTH = 32;
/** The problem reported for a list or mapping nested deeper than MAX_DEPTH. */
export const TOO_DEEP = `nested deeper than ${MAX_DEPTH} levels of lists and mappings`;

/** PromotionFileProblem is one thing wrong with a promotions file. */
export interface PromotionFileProblem {
  line: number;
  message: string;
}

/** A scalar value (a string, number, boolean or null). */
export interface ScalarNode {
  kind: 'scalar';
  line: number;
  /** The scalar's text: decoded when quoted, as written when plain (`1.10` stays "1.10"). */
  text: string;
  type: 'string' | 'number' | 'boolean' | 'null';
  /** A YAML plain scalar: its text is also usable as a string (tags like 1.10). */
  plain: boolean;
}

/** A list. */
export interface SeqNode {
  kind: 'seq';
  line: number;
  items: DocNode[];
}

/** A mapping entry. */
export interface MapEntry {
  key: string;
  line: number;
  value: DocNode;
}

/** A mapping, its keys in file order (a duplicate key is a problem, not an entry). */
export interface MapNode {
  kind: 'map';
  line: number;
  entries: MapEntry[];
}

/** A node whose problem was already reported: checked no further (one problem per mistake). */
export interface RefusedNode {
  kind: 'refused';
  line: number;
}

/** DocNode is any node of the tree. */
export type DocNode = ScalarNode | SeqNode | MapNode | RefusedNode;

/** mapping builds a MapNode, reporting a key given twice and keeping its first value. */
export function mapping(
  line: number,
  entries: Iterable<MapEntry>,
  problems: PromotionFileProblem[],
): MapNode {
  const map: MapNode = { kind: 'map', line, entries: [] };
  const seen = new Map<string, number>();
  for (const e of entries) {
    const first = seen.get(e.key);
    if (first !== undefined) {
      problems.push({ line: e.line, message: `duplicate key "${e.key}" (first on line ${first})` });
    } else {
      seen.set(e.key, e.line);
      map.entries.push(e);
    }
  }
  return map;
}

/** clip shortens text quoted in a message to `n` characters. */
export function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

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

const EXPECTED_KEYS = PROMOTION_KEYS.join(', ');

function describe(node: DocNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  if (node.kind === 'refused' || node.type === 'null') return 'empty';
  return node.type === 'string' ? `the string ${JSON.stringify(clip(node.text))}` : node.text;
}

/**
 * toEntries checks the document (undefined: no content) and returns its entries; every
 * problem goes to `problems`.
 */
export function toEntries(
  root: DocNode | undefined,
  problems: PromotionFileProblem[],
): PromotionEntry[] {
  const expected = 'expected a list of promotions: "promotions:" followed by "- source: …" entries';
  if (root === undefined) {
    problems.push({ line: 1, message: `the file is empty: ${expected}` });
    return [];
  }
  let list: DocNode | undefined = root;
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
  if (list.kind === 'refused') return [];
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

function toEntry(item: DocNode, problems: PromotionFileProblem[]): PromotionEntry | undefined {
  if (item.kind === 'refused') return undefined;
  if (item.kind !== 'map') {
    problems.push({
      line: item.line,
      message: `each promotion is a mapping with source and to, found ${describe(item)}`,
    });
    return undefined;
  }
  const before = problems.length;
  const problem = (line: number, message: string) => problems.push({ line, message });
  const values = new Map<string, { line: number; value: DocNode }>();
  for (const e of item.entries) {
    if ((PROMOTION_KEYS as readonly string[]).includes(e.key)) {
      values.set(e.key, { line: e.line, value: e.value });
    } else {
      problem(e.line, `unknown key "${e.key}" (expected ${EXPECTED_KEYS})`);
    }
  }

  const str = (key: string, node: DocNode): string | undefined => {
    if (node.kind === 'refused') return undefined;
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
    if (node.kind === 'refused') return undefined;
    if (node.kind === 'scalar' && node.type === 'boolean') return /^t/i.test(node.text);
    problem(v.line, `${key} must be true or false, found ${describe(node)}`);
    return undefined;
  };
  /** A list of strings; one scalar is read as a list of one. */
  const list = (key: string): Array<{ value: string; line: number }> | undefined => {
    const v = values.get(key);
    if (!v) return undefined;
    const node = v.value;
    if (node.kind === 'refused') return undefined;
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
