// SPDX-License-Identifier: MIT
/**
 * The .npy header (NumPy's format, numpy/lib/format.py): the magic "\x93NUMPY", a version
 * (major, minor), the header length (little-endian u16 in version 1.0, u32 in 2.0 and 3.0),
 * then a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
 * padded with spaces and ended by '\n' so the data starts on a 64-byte boundary.
 *
 * The writer produces NumPy's bytes exactly, including the spare spaces NumPy leaves so the
 * first dim can grow in place; the reader takes versions 1.0 to 3.0 and checks every field.
 */
import { SerializationError } from '../errors';
import { ByteSource } from './byte-source';
import { parsePythonLiteral, PyValue } from './python-literal';

export interface NpyHeader {
  /** NumPy's dtype string, e.g. '<f4' or '|b1'. */
  readonly descr: string;
  /** True when the data is stored column-major. */
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** NumPy leaves room for the growing axis to reach this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Python's repr of a tuple of ints: (), (5,), (2, 3). */
function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The magic, version, length field, dict and padding: everything before the data. */
export function encodeNpyHeader(h: NpyHeader): Uint8Array {
  let dict = `{'descr': '${h.descr}', 'fortran_order': ${h.fortranOrder ? 'True' : 'False'}, 'shape': ${pyTuple(h.shape)}, }`;
  if (h.shape.length > 0) {
    const growing = h.shape[h.fortranOrder ? h.shape.length - 1 : 0];
    dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(growing).length));
  }
  // Version 1.0 unless the header outgrows its u16 length field. As in NumPy, the padding is
  // 1 to 64 spaces (64, not 0, when the header happens to end aligned).
  for (const [major, lengthBytes] of [[1, 2], [2, 4]] as const) {
    const prefix = MAGIC.length + 2 + lengthBytes;
    const hlen = dict.length + 1;
    const padded = hlen + ALIGN - ((prefix + hlen) % ALIGN);
    if (lengthBytes === 2 && padded > 0xffff) continue;
    const out = new Uint8Array(prefix + padded).fill(0x20);
    out.set(MAGIC, 0);
    out[MAGIC.length] = major;
    out[MAGIC.length + 1] = 0;
    const view = new DataView(out.buffer);
    if (lengthBytes === 2) view.setUint16(8, padded, true);
    else view.setUint32(8, padded, true);
    out.set(latin1(dict), prefix);
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw new SerializationError(`saveNpy: a header of ${dict.length} bytes does not fit the format`);
}

function isCount(v: PyValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Reads and checks the header of the .npy data in `src`; `fn` names the caller in errors. */
export function readNpyHeader(src: ByteSource, fn: string): NpyHeader & { dataStart: number } {
  const fail = (reason: string): never => {
    throw new SerializationError(`${fn}: ${src.name}: ${reason}`);
  };
  if (src.size < 10) fail(`the input is ${src.size} bytes, too short for a .npy header`);
  const start = new Uint8Array(12);
  src.read(start.subarray(0, Math.min(12, src.size)), 0);
  if (!MAGIC.every((b, i) => start[i] === b)) fail('not a .npy file (it does not start with the magic bytes \\x93NUMPY)');
  const [major, minor] = [start[6], start[7]];
  if (![1, 2, 3].includes(major) || minor !== 0) fail(`.npy format version ${major}.${minor} is not supported (kiln reads 1.0, 2.0 and 3.0)`);
  const view = new DataView(start.buffer);
  const prefix = major === 1 ? 10 : 12;
  if (src.size < prefix) fail(`the input is ${src.size} bytes, too short for a version ${major}.0 header`);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (hlen > src.size - prefix) fail(`header length ${hlen} runs past the end of the input (${src.size} bytes)`);

  const bytes = new Uint8Array(hlen);
  src.read(bytes, prefix);
  let text: string;
  try {
    // Versions 1 and 2 are latin-1; version 3 allows UTF-8 (for structured field names).
    text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(bytes) : Buffer.from(bytes).toString('latin1');
  } catch {
    return fail('the header is not valid UTF-8');
  }
  const dict = parsePythonLiteral(text, (reason) => fail(`the header is not a valid Python literal: ${reason}`));
  if (!(dict instanceof Map)) return fail(`the header must be a dict, got ${text.trim().slice(0, 60)}`);
  const keys = [...dict.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape')
    fail(`the header must have exactly the keys 'descr', 'fortran_order' and 'shape', got ${keys.map((k) => `'${k}'`).join(', ')}`);
  const descr = dict.get('descr')!;
  const fortranOrder = dict.get('fortran_order')!;
  const shape = dict.get('shape')!;
  if (typeof descr !== 'string') fail(`structured dtypes are not supported (descr is ${Array.isArray(descr) ? 'a list of fields' : typeof descr})`);
  if (typeof fortranOrder !== 'boolean') fail(`'fortran_order' must be True or False`);
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`'shape' must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  return { descr: descr as string, fortranOrder: fortranOrder as boolean, shape: shape as number[], dataStart: prefix + hlen };
}
