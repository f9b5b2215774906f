// SPDX-License-Identifier: MIT
/**
 * Finds a key repeated within one JSON object. JSON.parse silently keeps the last of
 * repeated keys, which in a file header would hide an entry; this scan reports it instead.
 */

const JSON_SPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * The first key that appears twice in the same object of `text`, or undefined. `text` must
 * already be valid JSON (check it with JSON.parse first); keys are compared after unescaping,
 * so "a" and "\u0061" are the same key.
 */
export function findDuplicateKey(text: string): string | undefined {
  // One entry per open bracket: the keys seen so far for an object, null for an array.
  const open: Array<Set<string> | null> = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const raw = text.slice(i, end + 1);
      i = end + 1;
      const keys = open[open.length - 1];
      if (!keys) continue;
      let next = i;
      while (JSON_SPACE.has(text[next])) next++;
      // Inside an object, a string followed by ':' is a key; any other string is a value.
      if (text[next] !== ':') continue;
      const key = JSON.parse(raw) as string;
      if (keys.has(key)) return key;
      keys.add(key);
      continue;
    }
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    i++;
  }
  return undefined;
}
