// SPDX-License-Identifier: MIT
/**
 * JSON for the checkpoint metadata, which the format stores as strings. Two differences from
 * plain JSON.stringify, both so that a restored state equals the saved one exactly:
 * - Infinity, -Infinity, NaN and -0 (ReduceLROnPlateau's `best` starts at Infinity) are
 *   written as `{"__kiln_float__": "Infinity"}` and read back as numbers;
 * - values JSON would silently change or drop (functions, Maps, class instances such as
 *   tensors, bigints, cycles) are refused with their path instead. Object properties that are
 *   undefined are left out and undefined array items become null, as in JSON.
 * (A stored object that is exactly `{"__kiln_float__": "NaN"}` or one of the other three tags
 * reads back as that number: the one value this encoding cannot tell apart.)
 */
import { SerializationError } from '../errors';

const FLOAT_TAG = '__kiln_float__';
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['NaN', NaN],
  ['-0', -0],
]);

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function toJsonable(value: unknown, path: string, fail: (reason: string) => never, open: Set<object>): unknown {
  switch (typeof value) {
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [FLOAT_TAG]: Object.is(value, -0) ? '-0' : String(value) };
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object': {
      if (value === null) return null;
      if (open.has(value)) return fail(`${path} contains itself`);
      if (!Array.isArray(value) && !isPlainObject(value))
        return fail(`${path} is a ${value.constructor?.name ?? 'object'}; only numbers, strings, booleans, null, arrays and plain objects can be stored`);
      open.add(value);
      const out = Array.isArray(value)
        ? value.map((v, i) => toJsonable(v, `${path}[${i}]`, fail, open))
        : Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .map(([k, v]) => [k, toJsonable(v, `${path}.${k}`, fail, open)]),
          );
      open.delete(value);
      return out;
    }
    default:
      return fail(`${path} is a ${typeof value}; only numbers, strings, booleans, null, arrays and plain objects can be stored`);
  }
}

/** `value` as JSON text; `fn` and `what` name the caller and the value in errors. */
export function encodeJson(value: unknown, fn: string, what: string): string {
  const fail = (reason: string): never => {
    throw new SerializationError(`${fn}: cannot store ${what}: ${reason}`);
  };
  return JSON.stringify(toJsonable(value, what, fail, new Set()));
}

/** Parses text written by encodeJson, restoring the tagged numbers. */
export function decodeJson(text: string, fn: string, what: string): unknown {
  try {
    return JSON.parse(text, (_key, v: unknown) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
      const keys = Object.keys(v);
      const tag = (v as Record<string, unknown>)[FLOAT_TAG];
      return keys.length === 1 && typeof tag === 'string' && SPECIAL_FLOATS.has(tag) ? SPECIAL_FLOATS.get(tag) : v;
    });
  } catch (e) {
    throw new SerializationError(`${fn}: the metadata entry "${what}" is not valid JSON (${(e as Error).message})`);
  }
}
