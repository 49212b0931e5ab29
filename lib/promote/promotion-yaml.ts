/**
 * YAML promotions files, read by the `yaml` package (YAML 1.2, core schema) into the tree
 * of promotion-entries.ts. The text is tokenised first and refused if nested deeper than
 * MAX_DEPTH, before the composer (which recurses once per level) runs. Anchors, aliases
 * and tags are refused: an entry means what it says where it says it. Plain scalars keep
 * their text as written (`tags: [1.10]` is the tag "1.10", not the number 1.1).
 */
import {
  Composer,
  type CST,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  type Node as YamlNode,
} from 'yaml';
import {
  type DocNode,
  MAX_DEPTH,
  type MapEntry,
  mapping,
  type PromotionFileProblem,
  TOO_DEEP,
} from './promotion-entries.js';

/** Every key is kept (a duplicate is reported by `mapping`, with both lines). */
const OPTIONS = {
  version: '1.2',
  schema: 'core',
  uniqueKeys: false,
  keepSourceTokens: true,
} as const;

/**
 * yamlTree parses `text`. Syntax problems (the YAML's own, one per line; anchors, aliases,
 * tags) go to `syntax`; what else the conversion finds (duplicate keys, keys that are
 * not strings) to `problems`. Returns
 * undefined for a file with no content; after a syntax error, the tree the composer
 * recovered.
 */
export function yamlTree(
  text: string,
  syntax: PromotionFileProblem[],
  problems: PromotionFileProblem[],
): DocNode | undefined {
  const lines = new LineCounter();
  const lineAt = (offset: number) => lines.linePos(offset).line;
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  for (const token of tokens) {
    const deep = tooDeep(token, 0);
    if (deep !== undefined) {
      syntax.push({ line: lineAt(deep), message: TOO_DEEP });
      return undefined;
    }
  }
  const docs = Array.from(new Composer(OPTIONS).compose(tokens));
  const reported = new Set<number>();
  for (const e of docs.flatMap((d) => d.errors)) {
    const line = lineAt(e.pos[0]);
    // The errors after the first on a line follow from it.
    if (!reported.has(line)) syntax.push({ line, message: `invalid YAML: ${e.message}` });
    reported.add(line);
  }
  const [doc, second] = docs;
  if (second) {
    syntax.push({
      line: lineAt(second.range[0]),
      message: 'a second document: put all promotions in one list',
    });
  }
  if (!doc || doc.contents === null) return undefined;
  return toTree(doc.contents, undefined, { lineAt, syntax, problems });
}

/** tooDeep is the offset of the first collection nested MAX_DEPTH deep in `token`, if any. */
function tooDeep(token: CST.Token | null | undefined, depth: number): number | undefined {
  if (token?.type === 'document') return tooDeep(token.value, depth);
  if (
    !token ||
    (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection')
  ) {
    return undefined;
  }
  if (depth >= MAX_DEPTH) return token.offset;
  for (const item of token.items) {
    const found = tooDeep(item.key, depth + 1) ?? tooDeep(item.value, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** What toTree reports to: refusals are syntax, as they stop checks on their line. */
interface Context {
  lineAt: (offset: number) => number;
  syntax: PromotionFileProblem[];
  problems: PromotionFileProblem[];
}

/**
 * toTree converts a composed node. `line` is where the node's context starts (the "-" of
 * a list item, the key of a mapping value): where a refused anchor or tag is reported.
 */
function toTree(node: YamlNode, line: number | undefined, ctx: Context): DocNode {
  const { lineAt, problems } = ctx;
  const own = lineAt(node.range?.[0] ?? 0);
  const at = line ?? own;
  const refused = refusal(node);
  if (refused) {
    ctx.syntax.push({ line: at, message: refused });
    return refusedAt(at);
  }
  if (isScalar(node)) {
    const v = node.value;
    const type =
      v === null
        ? 'null'
        : typeof v === 'boolean'
          ? 'boolean'
          : typeof v === 'number' || typeof v === 'bigint'
            ? 'number'
            : 'string';
    const text = typeof v === 'string' ? v : (node.source ?? String(v));
    return { kind: 'scalar', line: at, text, type, plain: node.type === 'PLAIN' };
  }
  if (isSeq(node)) {
    // A block list item's line is that of its "-", which may stand alone above the item.
    const block = node.srcToken?.type === 'block-seq' ? node.srcToken : undefined;
    const items = node.items.map((item, i) => {
      const dash = block?.items[i]?.start.find((t) => t.type === 'seq-item-ind');
      const line = dash && lineAt(dash.offset);
      return isNode(item) ? toTree(item, line, ctx) : refusedAt(line ?? own);
    });
    return { kind: 'seq', line: at, items };
  }
  if (isMap(node)) {
    const entries: MapEntry[] = [];
    for (const pair of node.items) {
      const key = isNode(pair.key) ? pair.key : undefined;
      const value = isNode(pair.value) ? pair.value : undefined;
      // An empty key (`: x`) is placed where the line before it ends.
      const keyNode = isScalar(key) && key.source === '' ? (value ?? key) : key;
      const keyLine = keyNode ? lineAt(keyNode.range?.[0] ?? 0) : own;
      const refused = key && refusal(key);
      if (refused) {
        ctx.syntax.push({ line: keyLine, message: refused });
        continue;
      }
      if (!isScalar(key) || key.value === null) {
        problems.push({
          line: keyLine,
          message:
            isScalar(key) || !key
              ? 'a mapping entry without a key'
              : 'a list or mapping as a key is not supported',
        });
        continue;
      }
      entries.push({
        key: typeof key.value === 'string' ? key.value : (key.source ?? String(key.value)),
        line: keyLine,
        value: value
          ? toTree(value, keyLine, ctx)
          : { kind: 'scalar', line: keyLine, text: '', type: 'null', plain: true },
      });
    }
    return mapping(at, entries, problems);
  }
  return refusedAt(at);
}

const refusedAt = (line: number): DocNode => ({ kind: 'refused', line });

/** refusal names what `node` uses that promotions files refuse, if anything. */
function refusal(node: YamlNode): string | undefined {
  if (isAlias(node)) return 'aliases (*name) are not supported';
  if (node.anchor) return 'anchors (&name) are not supported';
  if (node.tag) return 'tags (!type) are not supported';
  return undefined;
}
