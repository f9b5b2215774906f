// SPDX-License-Identifier: MIT
// .npy files against NumPy's format description: exact header bytes for what kiln writes,
// and hand-assembled files for what it reads (big-endian data, Fortran order, versions 2.0
// and 3.0), round trips, and malformed files.
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';
import { loadNpy, loadNpyBuffer, saveNpy, saveNpyBuffer } from '../../lib/io';
import { parsePythonLiteral } from '../../lib/io/python-literal';
import { flatValues, leBytes, tempDir } from './helpers';

const dir = tempDir();
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** A .npy file: magic, version, little-endian header length (2 or 4 bytes), header text, data. */
function npyBytes(header: string, data: Buffer, version: [number, number] = [1, 0]): Buffer {
  const len = Buffer.alloc(version[0] === 1 ? 2 : 4);
  if (version[0] === 1) len.writeUInt16LE(header.length);
  else len.writeUInt32LE(Buffer.byteLength(header));
  return Buffer.concat([MAGIC, Buffer.from(version), len, Buffer.from(header, version[0] === 3 ? 'utf8' : 'latin1'), data]);
}

describe('bytes as NumPy writes them', () => {
  test('float32 [2, 3]: version 1.0, dict with growth room, 64-byte aligned, little-endian data', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    // np.save leaves 21 - len('2') spare spaces, then pads to 128 bytes in all, ending in '\n'.
    const header = `${dict}${' '.repeat(20)}${' '.repeat(38)}\n`;
    expect(header.length).toBe(118);
    const expected = Buffer.concat([MAGIC, Buffer.from([1, 0, 118, 0]), Buffer.from(header), leBytes('f4', [1, 2, 3, 4, 5, 6])]);
    expect(saveNpyBuffer(kiln.tensor([[1, 2, 3], [4, 5, 6]]))).toEqual(expected);
  });

  test.each<[string, () => kiln.Tensor, string]>([
    ['0-d float64 (no growth room)', () => kiln.tensor(1.5, { dtype: 'float64' }), "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"],
    ['bool [5]', () => kiln.tensor([true, false, true, true, false]), `{'descr': '|b1', 'fortran_order': False, 'shape': (5,), }${' '.repeat(20)}`],
    ['int64 [12345, 1]', () => kiln.zeros([12345, 1], { dtype: 'int64' }), `{'descr': '<i8', 'fortran_order': False, 'shape': (12345, 1), }${' '.repeat(16)}`],
    ['int32 [0, 2]', () => kiln.zeros([0, 2], { dtype: 'int32' }), `{'descr': '<i4', 'fortran_order': False, 'shape': (0, 2), }${' '.repeat(20)}`],
  ])('%s', (_name, make, dict) => {
    const t = make();
    const out = saveNpyBuffer(t);
    const headerLength = out.readUInt16LE(8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = out.subarray(10, 10 + headerLength).toString('latin1');
    expect(header.startsWith(dict)).toBe(true);
    expect(header.slice(dict.length)).toMatch(/^ +\n$/);
    expect(out.length).toBe(10 + headerLength + t.numel() * t.elementSize());
  });
});

describe('round trips', () => {
  test.each<[string, () => kiln.Tensor]>([
    ['float32 specials', () => kiln.tensor(new Float32Array([NaN, -Infinity, -0, 1e-45]))],
    ['float64', () => kiln.tensor([[1 / 3, -2], [1e300, 5]], { dtype: 'float64' })],
    ['int32', () => kiln.tensor(new Int32Array([-(2 ** 31), 2 ** 31 - 1]))],
    ['int64', () => kiln.tensor(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]))],
    ['bool', () => kiln.tensor([[true], [false]])],
    ['0-d', () => kiln.tensor(7n)],
    ['empty', () => kiln.zeros([3, 0])],
    ['a permuted view', () => kiln.arange(24).reshape([2, 3, 4]).permute([2, 0, 1])],
  ])('%s', (_name, make) => {
    const t = make();
    const back = loadNpyBuffer(saveNpyBuffer(t));
    expect(back.dtype).toBe(t.dtype);
    expect(back.shape).toEqual(t.shape);
    expect(flatValues(back)).toEqual(flatValues(t));
  });

  test('through a file', () => {
    const file = path.join(dir, 'x.npy');
    const t = kiln.arange(10, { dtype: 'float64' }).div(4);
    saveNpy(t, file);
    expect(fs.readFileSync(file)).toEqual(saveNpyBuffer(t));
    expect(flatValues(loadNpy(file))).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25]);
  });
});

describe('reading what other writers produce', () => {
  test('big-endian data is byte-swapped', () => {
    const f8 = npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }\n", leBytes('f8', [1.5, -2, 1 / 3], false));
    expect(flatValues(loadNpyBuffer(f8))).toEqual([1.5, -2, 1 / 3]);
    const i4 = npyBytes("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }\n", leBytes('i4', [-2, 65536], false));
    expect(flatValues(loadNpyBuffer(i4))).toEqual([-2, 65536]);
    const i8 = npyBytes("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }\n", leBytes('i8', [-(2n ** 40n) - 3n], false));
    expect(flatValues(loadNpyBuffer(i8))).toEqual([String(-(2n ** 40n) - 3n)]);
  });

  test('Fortran order is transposed into row-major order', () => {
    // a[i, j] = 10 i + j for shape (2, 3); column-major storage lists a[0,0], a[1,0], a[0,1], ...
    const data = leBytes('f4', [0, 10, 1, 11, 2, 12]);
    const t = loadNpyBuffer(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", data));
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[0, 1, 2], [10, 11, 12]]);
    expect(t.isContiguous()).toBe(true);
    // Three dims: a[i, j, k] = 100 i + 10 j + k, shape (2, 2, 2), stored with i fastest.
    const d3 = leBytes('i4', [0, 100, 10, 110, 1, 101, 11, 111]);
    const u = loadNpyBuffer(npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2, 2), }\n", d3));
    expect(flatValues(u)).toEqual([0, 1, 10, 11, 100, 101, 110, 111]);
  });

  test('a Fortran-order load leaves only its result alive', () => {
    const bytes = npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }\n", leBytes('f8', [1, 2, 3, 4, 5, 6]));
    const before = kiln.memory().tensors;
    const t = loadNpyBuffer(bytes);
    expect(kiln.memory().tensors).toBe(before + 1);
    t.dispose();
    expect(kiln.memory().tensors).toBe(before);
  });

  test('versions 2.0 and 3.0 (4-byte header length; UTF-8 in 3.0)', () => {
    const v2 = npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", leBytes('i8', [5n, -6n]), [2, 0]);
    expect(flatValues(loadNpyBuffer(v2))).toEqual(['5', '-6']);
    const v3 = npyBytes('{"descr": "|b1", "fortran_order": False, "shape": [2], }\n', Buffer.from([1, 0]), [3, 0]);
    expect(flatValues(loadNpyBuffer(v3))).toEqual([true, false]);
  });

  test("headers in another key order, with Python 2's long integers and no padding", () => {
    const t = loadNpyBuffer(npyBytes("{'shape': (1L, 2L), 'fortran_order': False, 'descr': '<f8'}", leBytes('f8', [3, 4])));
    expect(t.shape).toEqual([1, 2]);
    expect(flatValues(t)).toEqual([3, 4]);
  });
});

describe('malformed files throw a SerializationError naming the problem', () => {
  const ok = (dict: string) => npyBytes(`${dict}\n`, leBytes('f4', [1, 2]));
  test.each<[string, Buffer, RegExp]>([
    ['too short', Buffer.from([0x93, 0x4e]), /2 bytes, too short for a \.npy header/],
    ['wrong magic', Buffer.from('PK\x03\x04 this is a zip file'), /not a \.npy file/],
    ['an unknown version', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", leBytes('f4', [1, 2]), [4, 0]), /version 4\.0 is not supported/],
    ['a header length past the end', Buffer.concat([MAGIC, Buffer.from([1, 0, 0xff, 0xff]), Buffer.from('{}')]), /header length 65535 runs past the end/],
    ['a header that is not a dict', ok("('descr', '<f4')"), /the header must be a dict/],
    ['a missing key', ok("{'descr': '<f4', 'shape': (2,)}"), /exactly the keys 'descr', 'fortran_order' and 'shape', got 'descr', 'shape'/],
    ['an extra key', ok("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"), /exactly the keys/],
    ['a repeated key', ok("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}"), /the key 'descr' appears twice/],
    ['an unsupported dtype', ok("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }"), /dtype '<f2' is not supported \(kiln reads <f4, <f8, <i4, <i8, \|b1/],
    ['a structured dtype', ok("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }"), /structured dtypes are not supported/],
    ['a negative dim', ok("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"), /'shape' must be a tuple of non-negative integers/],
    ['a float dim', ok("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }"), /unsupported syntax/],
    ['code instead of a literal', ok("{'descr': __import__('os').system('x'), 'fortran_order': False, 'shape': (2,)}"), /unsupported syntax at character 10/],
    ['fortran_order not a bool', ok("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }"), /'fortran_order' must be True or False/],
    ['an unterminated string', ok("{'descr': '<f4"), /unterminated string/],
    ['too little data', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", leBytes('f4', [1, 2])), /shape \[3\] and dtype '<f4' holds 12 bytes of data, but 8 follow the header/],
    ['too much data', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", leBytes('f4', [1, 2])), /holds 4 bytes of data, but 8 follow/],
    ['a huge shape', npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", leBytes('f8', [1])), /holds .* bytes of data, but 8 follow/],
  ])('%s', (_name, bytes, message) => {
    expect(() => loadNpyBuffer(bytes)).toThrow(kiln.SerializationError);
    expect(() => loadNpyBuffer(bytes)).toThrow(message);
    expect(() => loadNpyBuffer(bytes)).toThrow(/^loadNpyBuffer: buffer: /);
  });

  test('loadNpy names the file', () => {
    const file = path.join(dir, 'bad.npy');
    fs.writeFileSync(file, Buffer.from('not numpy at all'));
    expect(() => loadNpy(file)).toThrow(`loadNpy: ${file}: not a .npy file`);
  });

  test('saveNpy wants a tensor', () => {
    expect(() => saveNpyBuffer([1, 2] as never)).toThrow(kiln.SerializationError);
  });
});

describe('parsePythonLiteral', () => {
  const fail = (reason: string): never => {
    throw new Error(reason);
  };
  test.each<[string, unknown]>([
    ["{'a': (1, 2), \"b\": [True, None], 'c': 'x\\'y'}", new Map<string, unknown>([['a', [1, 2]], ['b', [true, null]], ['c', "x'y"]])],
    ['()', []],
    ['(5,)', [5]],
    ['  -12L ', -12],
    ['{}', new Map()],
  ])('%s', (text, expected) => {
    expect(parsePythonLiteral(text, fail)).toEqual(expected);
  });

  test.each(['1.5', '0x10', 'Truee', '(1 2)', '{1: 2}', "'a' 'b'", '99999999999999999999'])('rejects %s', (text) => {
    expect(() => parsePythonLiteral(text, fail)).toThrow();
  });
});
