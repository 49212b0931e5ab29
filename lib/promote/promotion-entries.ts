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
import { parseDuration, parseStage } from './evidence-fields.js';

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
  'require-verified',
  'max-age',
  'evidence-repo',
] as const;

/**
 * The keys of the file's `defaults` mapping: every entry key but those that name one
 * promotion (docs/cli.md, "Batch promotion").
 */
export const DEFAULT_KEYS = PROMOTION_KEYS.filter(
  (k) => k !== 'source' && k !== 'to' && k !== 'tags',
);

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
  /** `require-verified`: stages whose latest verification of the source digest must have passed. */
  requireVerified?: string[];
  /** `max-age` as written (`72h`), for output. */
  maxAge?: string;
  /** `max-age` in milliseconds. */
  maxAgeMs?: number;
  /** `evidence-repo`: where the verification records are read (default: the source repository). */
  evidenceRepository?: Reference;
}

/** EntryOptions are what an entry says besides source, to and tags: what defaults can say. */
type EntryOptions = Omit<PromotionEntry, 'line' | 'source' | 'target' | 'tags'>;

/** The file's `defaults`: the options, and the lines of the keys whose use is checked later. */
interface Defaults {
  options: EntryOptions;
  /** Lines of `max-age` and `evidence-repo` (refused when no entry names a stage). */
  gateLines: Array<[string, number]>;
}

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
  let defaults: Defaults = { options: {}, gateLines: [] };
  if (root.kind === 'map') {
    list = undefined;
    for (const e of root.entries) {
      if (e.key === 'promotions') list = e.value;
      else if (e.key === 'defaults') defaults = toDefaults(e.value, problems);
      else {
        problems.push({
          line: e.line,
          message: `unknown key "${e.key}" (expected promotions, defaults)`,
        });
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
  let staged = false;
  for (const item of list.items) {
    const entry = toEntry(item, defaults.options, problems);
    if (!entry) continue;
    staged ||= entry.requireVerified !== undefined;
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
  // A default gate setting is used by the entries that name a stage; with none, it is a mistake.
  if (!staged && entries.length === list.items.length) {
    for (const [key, line] of defaults.gateLines) problems.push({ line, message: notStaged(key) });
  }
  return entries;
}

const notStaged = (key: string) => `${key} applies to require-verified: name a stage`;

/** toDefaults reads the `defaults` mapping (any problem is reported, and it counts as empty). */
function toDefaults(node: DocNode, problems: PromotionFileProblem[]): Defaults {
  const none: Defaults = { options: {}, gateLines: [] };
  if (node.kind === 'refused') return none;
  if (node.kind !== 'map') {
    problems.push({
      line: node.line,
      message: `defaults must be a mapping of entry keys, found ${describe(node)}`,
    });
    return none;
  }
  const before = problems.length;
  const fields = readFields(node, DEFAULT_KEYS, ' in defaults', problems);
  const options = readOptions(fields);
  if (problems.length > before) return none;
  const gateLines: Array<[string, number]> =
    options.requireVerified === undefined
      ? (['max-age', 'evidence-repo'] as const).flatMap((k) => {
          const v = fields.values.get(k);
          return v ? [[k, v.line] as [string, number]] : [];
        })
      : [];
  return { options, gateLines };
}

function toEntry(
  item: DocNode,
  defaults: EntryOptions,
  problems: PromotionFileProblem[],
): PromotionEntry | undefined {
  if (item.kind === 'refused') return undefined;
  if (item.kind !== 'map') {
    problems.push({
      line: item.line,
      message: `each promotion is a mapping with source and to, found ${describe(item)}`,
    });
    return undefined;
  }
  const before = problems.length;
  const fields = readFields(item, PROMOTION_KEYS, '', problems);
  const { values, problem, str, list } = fields;
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

  const own = readOptions(fields);
  const options = withDefaults(own, defaults);
  if (options.requireVerified === undefined) {
    const set = { 'max-age': own.maxAge, 'evidence-repo': own.evidenceRepository };
    for (const [key, value] of Object.entries(set)) {
      if (value !== undefined) problem(values.get(key)?.line ?? item.line, notStaged(key));
    }
  }

  if (problems.length > before || !source || !target) return undefined;
  return {
    line: item.line,
    source,
    target,
    ...(tags !== undefined && { tags }),
    ...options,
  };
}

/**
 * withDefaults completes an entry's options with the file's defaults: an entry's own
 * value wins, and the gate lists add up (a gate only ever gets stricter).
 */
function withDefaults(own: EntryOptions, defaults: EntryOptions): EntryOptions {
  const union = (a?: string[], b?: string[]) =>
    a || b ? [...new Set([...(a ?? []), ...(b ?? [])])] : undefined;
  const requireReferrers = union(own.requireReferrers, defaults.requireReferrers);
  const requireVerified = union(own.requireVerified, defaults.requireVerified);
  const merged: EntryOptions = { ...defaults, ...own };
  delete merged.requireReferrers;
  delete merged.requireVerified;
  // The key order of an entry (its JSON output) stays the same with or without defaults.
  const ordered: EntryOptions = {
    ...(merged.semver !== undefined && { semver: merged.semver }),
    ...(merged.allowOverwrite !== undefined && { allowOverwrite: merged.allowOverwrite }),
    ...(requireReferrers !== undefined && { requireReferrers }),
    ...(merged.referrers !== undefined && { referrers: merged.referrers }),
    ...(merged.platforms !== undefined && { platforms: merged.platforms }),
    ...(requireVerified !== undefined && { requireVerified }),
    ...(merged.maxAge !== undefined && { maxAge: merged.maxAge }),
    ...(merged.maxAgeMs !== undefined && { maxAgeMs: merged.maxAgeMs }),
    ...(merged.evidenceRepository !== undefined && {
      evidenceRepository: merged.evidenceRepository,
    }),
  };
  return ordered;
}

/** Fields is a mapping's keys by name, and the readers of its values (they report problems). */
interface Fields {
  values: Map<string, { line: number; value: DocNode }>;
  problem: (line: number, message: string) => void;
  str: (key: string, node: DocNode) => string | undefined;
  bool: (key: string) => boolean | undefined;
  /** A list of strings; one scalar is read as a list of one. */
  list: (key: string) => Array<{ value: string; line: number }> | undefined;
}

/** readFields collects a mapping's known keys (`where` names it in the unknown-key problem). */
function readFields(
  map: MapNode,
  keys: readonly string[],
  where: string,
  problems: PromotionFileProblem[],
): Fields {
  const problem = (line: number, message: string) => problems.push({ line, message });
  const values = new Map<string, { line: number; value: DocNode }>();
  for (const e of map.entries) {
    if (keys.includes(e.key)) values.set(e.key, { line: e.line, value: e.value });
    else problem(e.line, `unknown key "${e.key}"${where} (expected ${keys.join(', ')})`);
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
  return { values, problem, str, bool, list };
}

/** readOptions reads the keys an entry and the defaults share. */
function readOptions(fields: Fields): EntryOptions {
  const { values, problem, str, bool, list } = fields;
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

  // Stage names, durations and repositories are checked as the CLI checks its flags.
  let requireVerified: string[] | undefined;
  const stages = list('require-verified');
  if (stages) {
    requireVerified = [];
    const node = values.get('require-verified')?.value;
    if (node?.kind === 'seq' && node.items.length === 0) {
      problem(node.line, 'require-verified is empty: leave it out, or name a stage');
    }
    for (const st of stages) {
      try {
        const stage = parseStage(st.value);
        if (!requireVerified.includes(stage)) requireVerified.push(stage);
      } catch (e) {
        problem(st.line, `require-verified: ${(e as Error).message}`);
      }
    }
  }
  const parsed = <T>(key: string, parse: (text: string) => T): [string, T] | undefined => {
    const v = values.get(key);
    const text = v && str(key, v.value);
    if (!v || text === undefined) return undefined;
    try {
      return [text, parse(text)];
    } catch (e) {
      problem(v.line, (e as Error).message);
      return undefined;
    }
  };
  const maxAge = parsed('max-age', (text) => parseDuration(text, 'max-age'));
  const evidence = parsed('evidence-repo', (text) => {
    try {
      return parseRepository(text);
    } catch (e) {
      throw new Error(`evidence-repo: ${(e as Error).message}`);
    }
  });

  return {
    ...(semver !== undefined && { semver }),
    ...(allowOverwrite !== undefined && { allowOverwrite }),
    ...(requireReferrers !== undefined && { requireReferrers }),
    ...(referrers !== undefined && { referrers }),
    ...(platforms !== undefined && { platforms }),
    ...(requireVerified !== undefined && { requireVerified }),
    ...(maxAge !== undefined && { maxAge: maxAge[0], maxAgeMs: maxAge[1] }),
    ...(evidence !== undefined && { evidenceRepository: evidence[1] }),
  };
}
