/**
 * The document tree a promotions file is parsed into, by either syntax (yaml-subset.ts,
 * json-lines.ts), before promotion-file.ts validates it. Every node knows its line, so
 * that every problem can be reported by line; both parsers and the validation report
 * problems the same way (PromotionFileProblem), collected rather than thrown.
 */

/**
 * The deepest nesting of lists and mappings either parser accepts. Real files need 4
 * (promotions, an entry, its tags, a tag); the limit stops a file built to exhaust the
 * stack (docs/cli.md, "Batch promotion").
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
  /** The scalar's text (decoded for quoted scalars, as written for plain ones). */
  text: string;
  /** The resolved type (YAML 1.2 core schema for plain scalars; JSON's own types). */
  type: 'string' | 'number' | 'boolean' | 'null';
  /** A YAML plain scalar: its text is also usable as a string (tags like 1.10). */
  plain: boolean;
}

/** A list. */
export interface SeqNode {
  kind: 'seq';
  line: number;
  items: Node[];
}

/** A mapping, its keys in file order (a duplicate key is a problem, not an entry). */
export interface MapNode {
  kind: 'map';
  line: number;
  entries: Array<{ key: string; line: number; value: Node }>;
}

/** Where a syntax problem was reported: checked no further (one problem per mistake). */
export interface InvalidNode {
  kind: 'invalid';
  line: number;
}

/** Node is any node of the tree. */
export type Node = ScalarNode | SeqNode | MapNode | InvalidNode;

/** nullAt is the empty value on `line` (`key:` with nothing after or below it). */
export const nullAt = (line: number): ScalarNode => ({
  kind: 'scalar',
  line,
  text: '',
  type: 'null',
  plain: true,
});

/** invalidAt marks `line` as already reported. */
export const invalidAt = (line: number): InvalidNode => ({ kind: 'invalid', line });

/** clip shortens text quoted in a message to `n` characters. */
export function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}
