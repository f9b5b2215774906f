// SPDX-License-Identifier: MIT
/**
 * A parser for the small subset of Python literals found in .npy headers: dicts, tuples,
 * lists, strings, integers (with Python 2's optional L suffix), True, False and None. NumPy
 * reads the header with ast.literal_eval; this accepts what NumPy writes and rejects anything
 * else (floats, expressions, calls) instead of evaluating it.
 */

export type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

const SPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

/** Parses `text` as one literal; throws `fail(reason)` on anything outside the subset. */
export function parsePythonLiteral(text: string, fail: (reason: string) => never): PyValue {
  let i = 0;
  const skipSpace = () => {
    while (SPACE.has(text[i])) i++;
  };
  const expect = (c: string) => {
    skipSpace();
    if (text[i] !== c) fail(`expected '${c}' at character ${i}, found ${text[i] === undefined ? 'the end' : `'${text[i]}'`}`);
    i++;
  };

  /** Comma-separated items up to `close`, a trailing comma allowed: (1,), [1, 2,], {'a': 1, }. */
  const items = (close: string, item: () => void) => {
    skipSpace();
    while (text[i] !== close) {
      item();
      skipSpace();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`expected ',' or '${close}' at character ${i}`);
      skipSpace();
    }
    i++;
  };

  const string = (): string => {
    const quote = text[i++];
    let out = '';
    while (text[i] !== quote) {
      if (i >= text.length) fail('unterminated string');
      if (text[i] === '\\') {
        const e = text[i + 1];
        out += ESCAPES[e] ?? `\\${e}`;
        i += 2;
      } else out += text[i++];
    }
    i++;
    return out;
  };

  const value = (): PyValue => {
    skipSpace();
    const c = text[i];
    if (c === "'" || c === '"') return string();
    if (c === '{') {
      i++;
      const dict = new Map<string, PyValue>();
      items('}', () => {
        skipSpace();
        const start = i;
        const key = value();
        if (typeof key !== 'string') fail(`dict keys must be strings (at character ${start})`);
        if (dict.has(key)) fail(`the key '${key}' appears twice`);
        expect(':');
        dict.set(key, value());
      });
      return dict;
    }
    if (c === '(' || c === '[') {
      i++;
      const list: PyValue[] = [];
      items(c === '(' ? ')' : ']', () => list.push(value()));
      return list;
    }
    const word = /^(?:-?\d+[lL]?|True|False|None)(?![\w.])/.exec(text.slice(i, i + 32));
    if (!word) return fail(`unsupported syntax at character ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    const n = Number(word[0].replace(/[lL]$/, ''));
    if (!Number.isSafeInteger(n)) fail(`integer ${word[0]} is too large`);
    return n;
  };

  const result = value();
  skipSpace();
  if (i < text.length) fail(`unexpected text after the literal at character ${i}`);
  return result;
}
