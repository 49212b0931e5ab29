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
 * The YAML subset: one document; a top-level mapping whose only key is `promotions`,
 * holding a block sequence of mappings — or that sequence at the top level; values are
 * scalars (plain, 'single-' or "double-quoted", each on one line), flow sequences of
 * scalars on one line (`[a, b]`) and block sequences of scalars; `#` comments and blank
 * lines. Plain scalars keep their text (`tags: [1.10]` is the tag "1.10", not a number);
 * `true`/`false` are booleans. Everything else — anchors, aliases, `!tags`, block scalars
 * (`|`, `>`), values continued on another line, flow mappings, tabs in indentation,
 * duplicate keys, several documents — is refused with its line number. JSON files are the
 * same shape (`{"promotions": [...]}` or `[...]`).
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

/** PromotionFileProblem is one thing wrong with a promotions file. */
export interface PromotionFileProblem {
  line: number;
  message: string;
}

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
// The document tree both syntaxes parse into: every node knows its line.

interface ScalarNode {
  kind: 'scalar';
  line: number;
  /** The scalar's text (decoded for quoted scalars, as written for plain ones). */
  text: string;
  /** The resolved type (YAML 1.2 core schema for plain scalars; JSON's own types). */
  type: 'string' | 'number' | 'boolean' | 'null';
  /** A YAML plain scalar: its text is also usable as a string (tags like 1.10). */
  plain: boolean;
}

interface SeqNode {
  kind: 'seq';
  line: number;
  items: Node[];
}

interface MapNode {
  kind: 'map';
  line: number;
  entries: Array<{ key: string; line: number; value: Node }>;
}

/** Where a syntax problem was reported: checked no further (one problem per mistake). */
interface InvalidNode {
  kind: 'invalid';
  line: number;
}

type Node = ScalarNode | SeqNode | MapNode | InvalidNode;

const nullAt = (line: number): ScalarNode => ({
  kind: 'scalar',
  line,
  text: '',
  type: 'null',
  plain: true,
});

const invalidAt = (line: number): InvalidNode => ({ kind: 'invalid', line });

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// YAML subset

interface Line {
  /** 1-based line number. */
  n: number;
  /** Leading spaces. */
  indent: number;
  /** Content after the indentation, comment removed, trailing space trimmed. */
  text: string;
}

function parseYaml(text: string, problems: PromotionFileProblem[]): Node | undefined {
  const lines = yamlLines(text, problems);
  if (lines.length === 0) return undefined;
  return new YamlParser(lines, problems).document();
}

/** yamlLines splits the text into content lines; handles comments, tabs and documents. */
function yamlLines(text: string, problems: PromotionFileProblem[]): Line[] {
  const out: Line[] = [];
  let ended: number | undefined;
  const raw = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < raw.length; i++) {
    const n = i + 1;
    const line = raw[i] as string;
    const lead = /^[ \t]*/.exec(line)?.[0] ?? '';
    const content = stripComment(line.slice(lead.length)).trimEnd();
    if (content === '') continue;
    if (lead.includes('\t')) {
      problems.push({ line: n, message: 'tab in indentation: indent with spaces' });
      continue;
    }
    if (lead.length === 0) {
      if (content.startsWith('%')) {
        problems.push({ line: n, message: 'directives (%YAML, %TAG) are not supported' });
        continue;
      }
      if (content === '---' || content.startsWith('--- ')) {
        if (out.length > 0 || ended !== undefined) {
          problems.push({
            line: n,
            message: 'a second document ("---"): put all promotions in one list',
          });
          break;
        }
        if (content !== '---') {
          problems.push({ line: n, message: 'content after "---": start it on the next line' });
        }
        continue;
      }
      if (content === '...') {
        ended = n;
        continue;
      }
    }
    if (ended !== undefined) {
      problems.push({
        line: n,
        message: `content after the end of the document ("..." on line ${ended})`,
      });
      break;
    }
    out.push({ n, indent: lead.length, text: content });
  }
  return out;
}

/**
 * stripComment cuts a `#` comment (at the start, or after whitespace) that is not inside
 * a quoted scalar. Quotes count only where a scalar starts (`it's` is plain text).
 */
function stripComment(s: string): string {
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = null;
      continue;
    }
    if (quote === "'") {
      if (c === "'") {
        if (s[i + 1] === "'") i++;
        else quote = null;
      }
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(s[i - 1] as string))) return s.slice(0, i);
    if ((c === '"' || c === "'") && startsScalar(s, i)) quote = c;
  }
  return s;
}

function startsScalar(s: string, i: number): boolean {
  const before = s.slice(0, i).trimEnd();
  if (before === '') return true;
  const last = before[before.length - 1];
  if (last === '[' || last === ',') return true;
  // `key: "x"` and `- "x"` need whitespace after the indicator.
  return (last === ':' || last === '-') && before.length < i;
}

const isSeqItem = (text: string): boolean => text === '-' || /^-\s/.test(text);

/** indicatorProblem names a YAML feature outside the subset that `text` starts with. */
function indicatorProblem(text: string): string | undefined {
  const c = text[0];
  switch (c) {
    case '&':
      return 'anchors (&name) are not supported';
    case '*':
      return 'aliases (*name) are not supported';
    case '!':
      return 'tags (!type) are not supported';
    case '|':
    case '>':
      return `block scalars (${c}) are not supported: write the value on one line`;
    case '{':
      return 'flow mappings ({...}) are not supported: write one "key: value" per line';
    case '%':
    case '@':
    case '`':
      return `a plain value cannot start with "${c}": quote it`;
    case '?':
      if (text.length === 1 || /^\?\s/.test(text)) return 'complex keys (?) are not supported';
      return undefined;
    default:
      return undefined;
  }
}

interface KeyLine {
  key: string;
  /** The text after `key:` (trimmed); '' when the value starts on the next line. */
  rest: string;
}

/** splitKey reads `key: value`; undefined when the text is not a mapping entry. */
function splitKey(text: string): KeyLine | { problem: string } | undefined {
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = readQuoted(text, 0);
    if ('problem' in q) return undefined;
    const after = text.slice(q.end);
    const m = /^\s*:(?:\s+|$)/.exec(after);
    if (!m) return undefined;
    return { key: q.value, rest: after.slice(m[0].length).trim() };
  }
  const m = /:(?:\s|$)/.exec(text);
  if (!m) return undefined;
  const key = text.slice(0, m.index).trimEnd();
  if (key === '') return { problem: 'a mapping entry without a key' };
  return { key, rest: text.slice(m.index + 1).trim() };
}

/** The one-character escapes of YAML double-quoted scalars (YAML 1.2 §5.7). */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

/** readQuoted reads a quoted scalar starting at `start`; `end` is just past the closing quote. */
function readQuoted(
  text: string,
  start: number,
): { value: string; end: number } | { problem: string } {
  const q = text[start];
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (q === "'") {
      if (c === "'") {
        if (text[i + 1] === "'") {
          value += "'";
          i++;
          continue;
        }
        return { value, end: i + 1 };
      }
      value += c;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const e = text[++i];
    if (e !== undefined && ESCAPES[e] !== undefined) {
      value += ESCAPES[e];
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = text.slice(i + 1, i + 1 + width);
    if (width > 0 && hex.length === width && /^[0-9a-fA-F]+$/.test(hex)) {
      const cp = Number.parseInt(hex, 16);
      if (cp <= 0x10ffff) {
        value += String.fromCodePoint(cp);
        i += width;
        continue;
      }
    }
    return { problem: `unknown escape "\\${e ?? ''}" in a double-quoted value` };
  }
  return {
    problem: 'a quoted value must end on the same line (values on several lines are not supported)',
  };
}

const YAML_NULL = /^(?:~|null|Null|NULL)$/;
const YAML_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const YAML_NUMBER =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function plainScalar(text: string, line: number): ScalarNode {
  const type = YAML_NULL.test(text)
    ? 'null'
    : YAML_BOOL.test(text)
      ? 'boolean'
      : YAML_NUMBER.test(text)
        ? 'number'
        : 'string';
  return { kind: 'scalar', line, text, type, plain: true };
}

class YamlParser {
  #i = 0;

  constructor(
    private readonly lines: Line[],
    private readonly problems: PromotionFileProblem[],
  ) {}

  document(): Node | undefined {
    const first = this.lines[0] as Line;
    const root = this.node(first.indent);
    while (this.#peek()) {
      const l = this.#peek() as Line;
      this.#problem(l.n, 'unexpected indentation');
      this.#skipSubtree();
    }
    return root;
  }

  #peek(): Line | undefined {
    return this.lines[this.#i];
  }

  #problem(line: number, message: string): void {
    this.problems.push({ line, message });
  }

  /** #skipSubtree skips the current line and every line indented deeper. */
  #skipSubtree(): void {
    const l = this.lines[this.#i++] as Line;
    while ((this.#peek()?.indent ?? -1) > l.indent) this.#i++;
  }

  /** node parses the block node starting at the current line (indented `indent`). */
  node(indent: number): Node {
    const l = this.#peek() as Line;
    if (isSeqItem(l.text)) return this.#sequence(indent);
    const indicator = indicatorProblem(l.text);
    if (indicator) {
      this.#problem(l.n, indicator);
      this.#skipSubtree();
      return invalidAt(l.n);
    }
    const key = splitKey(l.text);
    if (key) return this.#mapping(indent);
    // A scalar on a line of its own (`key:` then the value below it).
    const value = this.inline(l.text, l.n);
    this.#i++;
    const next = this.#peek();
    if (next && next.indent >= indent) {
      if (value.kind === 'invalid') this.#skipFrom(indent);
      else this.#continued(next, indent);
    }
    return value;
  }

  #continued(next: Line, indent: number): void {
    this.#problem(
      next.n,
      'a value continues on this line: values on several lines are not supported',
    );
    this.#skipFrom(indent);
  }

  /** #skipFrom skips lines indented `indent` or deeper. */
  #skipFrom(indent: number): void {
    while ((this.#peek()?.indent ?? -1) >= indent) this.#i++;
  }

  #sequence(indent: number): SeqNode {
    const seq: SeqNode = { kind: 'seq', line: (this.#peek() as Line).n, items: [] };
    for (let l = this.#peek(); l && l.indent === indent && isSeqItem(l.text); l = this.#peek()) {
      const rest = l.text.slice(1).trimStart();
      if (rest === '') {
        this.#i++;
        const next = this.#peek();
        const item = next && next.indent > indent ? this.node(next.indent) : nullAt(l.n);
        item.line = l.n;
        seq.items.push(item);
      } else {
        // `- key: value`: the rest is a node indented at its own column.
        const column = indent + (l.text.length - rest.length);
        this.lines[this.#i] = { n: l.n, indent: column, text: rest };
        const item = this.node(column);
        seq.items.push(item);
        // What follows a refused item (e.g. the mapping an anchor names) belongs to it.
        if (item.kind === 'invalid') this.#skipFrom(indent + 1);
      }
      this.#badIndentation(indent);
    }
    return seq;
  }

  #mapping(indent: number): MapNode {
    const map: MapNode = { kind: 'map', line: (this.#peek() as Line).n, entries: [] };
    const seen = new Map<string, number>();
    for (let l = this.#peek(); l && l.indent === indent; l = this.#peek()) {
      if (isSeqItem(l.text)) {
        this.#problem(l.n, 'a list item where "key: value" was expected');
        this.#skipSubtree();
        continue;
      }
      const indicator = indicatorProblem(l.text);
      const key = indicator ? undefined : splitKey(l.text);
      if (indicator || !key || 'problem' in key) {
        this.#problem(
          l.n,
          indicator ??
            (key && 'problem' in key
              ? key.problem
              : `expected "key: value", found ${JSON.stringify(clip(l.text))}`),
        );
        this.#skipSubtree();
        continue;
      }
      let value: Node;
      if (key.rest !== '') {
        value = this.inline(key.rest, l.n);
        this.#i++;
        const next = this.#peek();
        if (next && next.indent > indent) {
          // After a refused value (a block scalar's body, an unclosed quote) say nothing more.
          if (value.kind === 'invalid') this.#skipFrom(indent + 1);
          else this.#continued(next, next.indent);
        }
      } else {
        this.#i++;
        const next = this.#peek();
        if (next && next.indent > indent) value = this.node(next.indent);
        else if (next && next.indent === indent && isSeqItem(next.text)) {
          value = this.#sequence(indent);
        } else value = nullAt(l.n);
      }
      if (key.key === '<<') {
        this.#problem(l.n, 'merge keys (<<) are not supported');
      } else if (seen.has(key.key)) {
        this.#problem(l.n, `duplicate key "${key.key}" (first on line ${seen.get(key.key)})`);
      } else {
        seen.set(key.key, l.n);
        map.entries.push({ key: key.key, line: l.n, value });
      }
      this.#badIndentation(indent);
    }
    return map;
  }

  /** #badIndentation reports lines left over between this level and the next. */
  #badIndentation(indent: number): void {
    for (let l = this.#peek(); l && l.indent > indent; l = this.#peek()) {
      this.#problem(l.n, 'unexpected indentation');
      this.#skipSubtree();
    }
  }

  /** inline parses a value written on one line: a scalar or a flow sequence of scalars. */
  inline(text: string, line: number): Node {
    const indicator = indicatorProblem(text);
    if (indicator) {
      this.#problem(line, indicator);
      return invalidAt(line);
    }
    if (text.startsWith('[')) return this.#flow(text, line);
    if (text.startsWith('"') || text.startsWith("'")) {
      const q = readQuoted(text, 0);
      if ('problem' in q) {
        this.#problem(line, q.problem);
        return invalidAt(line);
      }
      if (text.slice(q.end).trim() !== '') {
        this.#problem(
          line,
          `unexpected text after the quoted value: ${JSON.stringify(clip(text.slice(q.end).trim()))}`,
        );
      }
      return { kind: 'scalar', line, text: q.value, type: 'string', plain: false };
    }
    if (isSeqItem(text)) {
      this.#problem(
        line,
        'a list cannot start after "key:" on the same line: start it on the next line',
      );
      return invalidAt(line);
    }
    if (/:(?:\s|$)/.test(text)) {
      this.#problem(
        line,
        `unexpected ": " in the value ${JSON.stringify(clip(text))}: quote the value`,
      );
      return invalidAt(line);
    }
    return plainScalar(text, line);
  }

  /** #flow parses `[a, "b", 'c']` (scalars only, on one line). */
  #flow(text: string, line: number): Node {
    const seq: SeqNode = { kind: 'seq', line, items: [] };
    const fail = (message: string): Node => {
      this.#problem(line, message);
      return invalidAt(line);
    };
    let i = 1;
    const skipSpace = () => {
      while (i < text.length && /\s/.test(text[i] as string)) i++;
    };
    for (;;) {
      skipSpace();
      if (i >= text.length) {
        return fail(
          'a [...] list must end on the same line (lists over several lines are written with "- " items)',
        );
      }
      const c = text[i] as string;
      if (c === ']') break;
      if (c === '[' || c === '{')
        return fail('nested lists or mappings inside [...] are not supported');
      if (c === ',') return fail('an empty item in a [...] list');
      if (c === '"' || c === "'") {
        const q = readQuoted(text, i);
        if ('problem' in q) return fail(q.problem);
        seq.items.push({ kind: 'scalar', line, text: q.value, type: 'string', plain: false });
        i = q.end;
      } else {
        const indicator = indicatorProblem(text.slice(i));
        if (indicator) return fail(indicator);
        const m = /^[^,[\]{}]*/.exec(text.slice(i)) as RegExpExecArray;
        const item = m[0].trimEnd();
        if (/:(?:\s|$)/.test(item))
          return fail(`unexpected ": " in ${JSON.stringify(clip(item))}: quote it`);
        seq.items.push(plainScalar(item, line));
        i += m[0].length;
      }
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') break;
      if (i >= text.length) {
        return fail(
          'a [...] list must end on the same line (lists over several lines are written with "- " items)',
        );
      }
      return fail(`expected "," or "]" in the list, found ${JSON.stringify(text[i])}`);
    }
    const after = text.slice(i + 1).trim();
    if (after !== '') return fail(`unexpected text after the list: ${JSON.stringify(clip(after))}`);
    return seq;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON, with lines (JSON.parse gives none, and silently keeps the last of duplicate keys)

class JsonSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function parseJson(text: string, problems: PromotionFileProblem[]): Node | undefined {
  let i = 0;
  let line = 1;
  const ws = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const fail = (message: string): never => {
    throw new JsonSyntaxError(line, message);
  };
  const found = () =>
    i >= text.length ? 'the end of the file' : JSON.stringify(text.slice(i, i + 10));

  const string = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    if (!m) {
      const nl = text.indexOf('\n', i);
      const rest = text.slice(i, nl < 0 ? undefined : nl);
      return fail(
        rest.includes('"', 1)
          ? `invalid string ${JSON.stringify(clip(rest))} (control character or bad escape)`
          : 'a string does not end on its line',
      );
    }
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };

  const value = (): Node => {
    ws();
    const at = line;
    const c = text[i];
    if (c === '{') {
      i++;
      const map: MapNode = { kind: 'map', line: at, entries: [] };
      const seen = new Map<string, number>();
      ws();
      if (text[i] === '}') {
        i++;
        return map;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a key in double quotes, found ${found()}`);
        const keyLine = line;
        const key = string();
        ws();
        if (text[i] !== ':') fail(`expected ":" after the key "${key}", found ${found()}`);
        i++;
        const v = value();
        if (seen.has(key)) {
          problems.push({
            line: keyLine,
            message: `duplicate key "${key}" (first on line ${seen.get(key)})`,
          });
        } else {
          seen.set(key, keyLine);
          map.entries.push({ key, line: keyLine, value: v });
        }
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return map;
        }
        fail(`expected "," or "}", found ${found()}`);
      }
    }
    if (c === '[') {
      i++;
      const seq: SeqNode = { kind: 'seq', line: at, items: [] };
      ws();
      if (text[i] === ']') {
        i++;
        return seq;
      }
      for (;;) {
        seq.items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return seq;
        }
        fail(`expected "," or "]", found ${found()}`);
      }
    }
    if (c === '"')
      return { kind: 'scalar', line: at, text: string(), type: 'string', plain: false };
    const m = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(
      text.slice(i),
    );
    if (!m) return fail(`unexpected ${found()}`);
    i += m[0].length;
    const t = m[0];
    const type = t === 'null' ? 'null' : t === 'true' || t === 'false' ? 'boolean' : 'number';
    return { kind: 'scalar', line: at, text: t, type, plain: false };
  };

  try {
    ws();
    if (i >= text.length) return undefined;
    const root = value();
    ws();
    if (i < text.length) fail(`unexpected ${found()} after the document`);
    return root;
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    problems.push({ line: e.line, message: `invalid JSON: ${e.message}` });
    return undefined;
  }
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
