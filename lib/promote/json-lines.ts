/**
 * A JSON parser for promotions files that keeps the line of every node: JSON.parse gives
 * no lines, and silently keeps the last of duplicate keys, where a promotions file must
 * report every problem by line (duplicate keys included) before anything is promoted.
 */
import {
  clip,
  MAX_DEPTH,
  type MapNode,
  type Node,
  type PromotionFileProblem,
  type SeqNode,
  TOO_DEEP,
} from './doc-nodes.js';

/** Thrown inside parseJson to stop at the first syntax error; caught there. */
class JsonSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * parseJson parses `text` into a tree. Duplicate keys go to `problems` and parsing goes
 * on; a syntax error stops it, goes to `problems` too, and undefined is returned, as it
 * is for a file with no content.
 */
export function parseJson(text: string, problems: PromotionFileProblem[]): Node | undefined {
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

  /** `depth`: how many lists and mappings enclose this value. */
  const value = (depth = 0): Node => {
    ws();
    const at = line;
    const c = text[i];
    if ((c === '{' || c === '[') && depth >= MAX_DEPTH) fail(TOO_DEEP);
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
        const v = value(depth + 1);
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
        seq.items.push(value(depth + 1));
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
