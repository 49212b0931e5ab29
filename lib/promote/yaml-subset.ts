/**
 * A parser for the small subset of YAML that promotions files are written in (documented
 * in docs/cli.md, "Batch promotion"), with no YAML library: it keeps the line of every
 * node and reports every mistake by line, collected into `problems`, so the whole file
 * can be checked before anything is promoted.
 *
 * The subset: one document of block mappings and block sequences (indented with spaces)
 * whose leaves are scalars (plain, 'single-' or "double-quoted", each on one line) and
 * flow sequences of scalars on one line (`[a, b]`); `#` comments and blank lines. Plain
 * scalars keep their text (`tags: [1.10]` is the tag "1.10", not a number); `true`/`false`
 * are booleans. Everything else — anchors, aliases, `!tags`, block scalars (`|`, `>`),
 * values continued on another line, flow mappings, tabs in indentation, duplicate keys,
 * merge keys, several documents — is refused with its line number. Lists and mappings
 * nested deeper than MAX_DEPTH are refused too (the parser recurses once per level).
 */
import {
  clip,
  invalidAt,
  MAX_DEPTH,
  type MapNode,
  type Node,
  nullAt,
  type PromotionFileProblem,
  type ScalarNode,
  type SeqNode,
  TOO_DEEP,
} from './doc-nodes.js';

interface Line {
  /** 1-based line number. */
  n: number;
  /** Leading spaces. */
  indent: number;
  /** Content after the indentation, comment removed, trailing space trimmed. */
  text: string;
}

/**
 * parseYaml parses `text` (the subset above) into a tree; problems go to `problems`.
 * Returns undefined for a file with no content.
 */
export function parseYaml(text: string, problems: PromotionFileProblem[]): Node | undefined {
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
  /** Set once a list or mapping nested past MAX_DEPTH was refused: the file is not checked further. */
  #tooDeep = false;

  constructor(
    private readonly lines: Line[],
    private readonly problems: PromotionFileProblem[],
  ) {}

  document(): Node | undefined {
    const first = this.lines[0] as Line;
    const root = this.node(first.indent, 0);
    while (this.#peek()) {
      const l = this.#peek() as Line;
      this.#problem(l.n, 'unexpected indentation');
      this.#skipSubtree();
    }
    return this.#tooDeep ? invalidAt(first.n) : root;
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

  /**
   * node parses the block node starting at the current line (indented `indent`), inside
   * `depth` lists and mappings.
   */
  node(indent: number, depth: number): Node {
    const l = this.#peek() as Line;
    if ((isSeqItem(l.text) || splitKey(l.text)) && depth >= MAX_DEPTH) {
      // Refused with everything below it; the levels above it are checked no further.
      if (!this.#tooDeep) this.#problem(l.n, TOO_DEEP);
      this.#tooDeep = true;
      this.#skipFrom(indent);
      return invalidAt(l.n);
    }
    if (isSeqItem(l.text)) return this.#sequence(indent, depth + 1);
    const indicator = indicatorProblem(l.text);
    if (indicator) {
      this.#problem(l.n, indicator);
      this.#skipSubtree();
      return invalidAt(l.n);
    }
    const key = splitKey(l.text);
    if (key) return this.#mapping(indent, depth + 1);
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

  /** #sequence parses a block list, `depth` levels deep (itself included). */
  #sequence(indent: number, depth: number): SeqNode {
    const seq: SeqNode = { kind: 'seq', line: (this.#peek() as Line).n, items: [] };
    for (let l = this.#peek(); l && l.indent === indent && isSeqItem(l.text); l = this.#peek()) {
      const rest = l.text.slice(1).trimStart();
      if (rest === '') {
        this.#i++;
        const next = this.#peek();
        const item = next && next.indent > indent ? this.node(next.indent, depth) : nullAt(l.n);
        item.line = l.n;
        seq.items.push(item);
      } else {
        // `- key: value`: the rest is a node indented at its own column.
        const column = indent + (l.text.length - rest.length);
        this.lines[this.#i] = { n: l.n, indent: column, text: rest };
        const item = this.node(column, depth);
        seq.items.push(item);
        // What follows a refused item (e.g. the mapping an anchor names) belongs to it.
        if (item.kind === 'invalid') this.#skipFrom(indent + 1);
      }
      this.#badIndentation(indent);
    }
    return seq;
  }

  /** #mapping parses a block mapping, `depth` levels deep (itself included). */
  #mapping(indent: number, depth: number): MapNode {
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
        if (next && next.indent > indent) value = this.node(next.indent, depth);
        else if (next && next.indent === indent && isSeqItem(next.text)) {
          value = this.node(indent, depth);
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
