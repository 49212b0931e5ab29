/**
 * JSON promotions files, read by @humanwhocodes/momoa (strict JSON, with positions) into
 * the tree of promotion-entries.ts: JSON.parse gives no lines and silently keeps the last
 * of duplicate keys, where a promotions file reports every problem by line.
 */
import { parse, tokenize, type ValueNode } from '@humanwhocodes/momoa';
import {
  clip,
  type DocNode,
  MAX_DEPTH,
  mapping,
  type PromotionFileProblem,
  TOO_DEEP,
} from './promotion-entries.js';

/** What momoa's syntax errors carry besides the message. */
interface MomoaError extends Error {
  line: number;
  column: number;
  offset: number;
}

const isMomoaError = (e: unknown): e is MomoaError =>
  e instanceof Error && typeof (e as Partial<MomoaError>).line === 'number';

/**
 * jsonTree parses `text`. A syntax error goes to `syntax` and undefined is returned, as
 * it is for a file with no content; what the tree is refused for (duplicate keys, …) goes
 * to `problems`.
 */
export function jsonTree(
  text: string,
  syntax: PromotionFileProblem[],
  problems: PromotionFileProblem[],
): DocNode | undefined {
  if (/^[ \t\r\n]*$/.test(text)) return undefined;
  try {
    // Tokens first: momoa's parser recurses once per level of nesting.
    let depth = 0;
    for (const token of tokenize(text)) {
      if (token.type === 'LBrace' || token.type === 'LBracket') {
        if (depth >= MAX_DEPTH) {
          syntax.push({ line: token.loc.start.line, message: `invalid JSON: ${TOO_DEEP}` });
          return undefined;
        }
        depth++;
      } else if (token.type === 'RBrace' || token.type === 'RBracket') depth--;
    }
    return toTree(parse(text, { mode: 'json' }).body, text, problems);
  } catch (e) {
    if (!isMomoaError(e)) throw e;
    const found =
      e.offset >= text.length
        ? 'end of the file'
        : `${JSON.stringify(clip(text.slice(e.offset).split(/\r?\n/)[0] as string, 20))} at column ${e.column}`;
    syntax.push({ line: e.line, message: `invalid JSON: unexpected ${found}` });
    return undefined;
  }
}

function toTree(node: ValueNode, text: string, problems: PromotionFileProblem[]): DocNode {
  const line = node.loc.start.line;
  switch (node.type) {
    case 'Object':
      return mapping(
        line,
        node.members.map((m) => ({
          key: String(m.name.type === 'String' ? m.name.value : m.name.name),
          line: m.name.loc.start.line,
          value: toTree(m.value, text, problems),
        })),
        problems,
      );
    case 'Array':
      return {
        kind: 'seq',
        line,
        items: node.elements.map((e) => toTree(e.value, text, problems)),
      };
    case 'String':
      // momoa lets raw control characters through; JSON does not.
      if (/[\u0000-\u001f]/.test(node.value) && /[\u0000-\u001f]/.test(source(node, text))) {
        problems.push({
          line,
          message:
            'invalid JSON: a control character (e.g. a line break) inside a string: escape it',
        });
        return { kind: 'refused', line };
      }
      return { kind: 'scalar', line, text: node.value, type: 'string', plain: false };
    case 'Number':
      return { kind: 'scalar', line, text: source(node, text), type: 'number', plain: false };
    case 'Boolean':
      return { kind: 'scalar', line, text: String(node.value), type: 'boolean', plain: false };
    case 'Null':
      return { kind: 'scalar', line, text: 'null', type: 'null', plain: false };
    default:
      // NaN and Infinity exist only in momoa's JSON5 mode.
      return { kind: 'refused', line };
  }
}

/** source is the node's text as written. */
function source(node: ValueNode, text: string): string {
  return text.slice(node.loc.start.offset, node.loc.end.offset);
}
