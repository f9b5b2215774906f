// SPDX-License-Identifier: MIT
// The addon decodes every view from its metadata slot and refuses, with a message naming the
// field, anything malformed or reaching outside the storage, whatever JS writes there. The
// bounds arithmetic must hold up near its limits (sizes and strides up to 2^52, sums past
// 2^63), and an empty view may have any strides.
import * as kiln from '../../lib';
import { native, opCodes } from '../../lib/backend/binding';
import { encodeRaw } from '../../lib/backend/view-codec';

const F32 = 0;
const BOOL = 4;
const P52 = 2 ** 52;

/** countNonzero over the view encoded in slot 0, on a storage of `bytes` bytes of ones. */
function count(dtype: number, shape: number[], strides: number[], offset: number, bytes = 16): number {
  encodeRaw(0, dtype, shape, strides, offset);
  return native.countNonzero(new Uint8Array(bytes).fill(1).buffer);
}

test.each([
  ['a dtype code out of range', () => count(5, [1], [1], 0), 'nonzero: input has an unknown dtype code 5'],
  ['a fractional dtype code', () => count(0.5, [1], [1], 0), 'nonzero: input has an unknown dtype code 0.5'],
  ['a NaN dtype code', () => count(NaN, [1], [1], 0), 'nonzero: input has an unknown dtype code nan'],
  ['too many dims', () => count(F32, new Array(17).fill(1), new Array(17).fill(0), 0), 'nonzero: input has 17 dimensions; at most 16 are supported'],
  ['a negative offset', () => count(F32, [1], [1], -1), 'nonzero: input has an invalid storage offset (-1)'],
  ['a fractional offset', () => count(F32, [1], [1], 0.5), 'nonzero: input has an invalid storage offset (0.5)'],
  ['a size above 2^52', () => count(F32, [P52 + 2], [0], 0), 'nonzero: input has an invalid size (4.5036e+15)'],
  ['a NaN size', () => count(F32, [NaN], [1], 0), 'nonzero: input has an invalid size (nan)'],
  ['an infinite stride', () => count(F32, [1], [Infinity], 0), 'nonzero: input has an invalid stride (inf)'],
  ['more than 2^52 elements', () => count(F32, [2 ** 26, 2 ** 26, 2], [0, 0, 0], 0), 'nonzero: input has too many elements'],
  ['more than 2^52 elements before a zero size', () => count(F32, [2 ** 30, 2 ** 30, 0], [0, 0, 0], 0), 'nonzero: input has too many elements'],
  ['one element too many', () => count(F32, [5], [1], 0), 'nonzero: input reaches element 4 of a storage holding 4 elements of float32 (disposed tensor or bad view)'],
  ['an offset at the end', () => count(F32, [1], [1], 4), 'nonzero: input reaches element 4 of a storage holding 4 elements of float32 (disposed tensor or bad view)'],
  ['a stride too long', () => count(F32, [2, 2], [3, 1], 0), 'nonzero: input reaches element 4 of a storage holding 4 elements of float32 (disposed tensor or bad view)'],
  ['one byte too many', () => count(BOOL, [17], [1], 0), 'nonzero: input reaches element 16 of a storage holding 16 elements of bool (disposed tensor or bad view)'],
])('refuses %s', (_name, call, message) => {
  expect(call).toThrow(kiln.KilnError);
  expect(call).toThrow(message);
});

test('reaches that overflow 64 bits are refused', () => {
  // (2^52 - 1) * 2^52 overflows one product; two terms of 2^62 overflow their sum.
  expect(() => count(F32, [P52], [P52], 0)).toThrow(/nonzero: input reaches element/);
  expect(() => count(F32, [2049, 2049], [2 ** 51, 2 ** 51], 0)).toThrow(/nonzero: input reaches element/);
  expect(() => count(F32, [2049, 2049], [2 ** 51, 2 ** 51], 0, 2 ** 20)).toThrow(/nonzero: input reaches element/);
});

test('views inside their storage are accepted, and empty views whatever their strides', () => {
  expect(count(F32, [4], [1], 0)).toBe(4);
  expect(count(F32, [2, 2], [1, 2], 0)).toBe(4); // transposed
  expect(count(F32, [3], [1], 1)).toBe(3);
  expect(count(F32, [], [], 3)).toBe(1); // 0-d, last element
  expect(count(F32, [4, 1], [1, P52], 0)).toBe(4); // a size-1 dim steps nowhere
  expect(count(BOOL, [16], [1], 0)).toBe(16);
  expect(count(F32, [0, P52], [P52, P52], P52, 0)).toBe(0);
});

test('a storage argument must be a storage', () => {
  encodeRaw(0, F32, [1], [1], 0);
  expect(() => native.countNonzero({} as ArrayBuffer)).toThrow('nonzero: input is not a tensor storage');
  expect(() => native.countNonzero(1 as unknown as ArrayBuffer)).toThrow('nonzero: input is not a tensor storage');
});

test('binary takes a JS number on either side, not on both', () => {
  const a = kiln.tensor([1, 2, 3]);
  const out = kiln.zeros([3]);
  // Small tensors share a slab: their views start at bufferOffset in it.
  encodeRaw(0, F32, [3], [1], out.bufferOffset);
  encodeRaw(1, F32, [3], [1], a.bufferOffset);
  encodeRaw(2, F32, [3], [1], a.bufferOffset);
  native.binary(opCodes.binary.sub, out.buffer, 10, a.buffer, 1);
  expect(out.toArray()).toEqual([9, 8, 7]);
  native.binary(opCodes.binary.sub, out.buffer, a.buffer, 10, 1);
  expect(out.toArray()).toEqual([-9, -8, -7]);
  expect(() => native.binary(opCodes.binary.sub, out.buffer, 1, 2, 1)).toThrow('binary: at least one operand must be a tensor');
  expect(() => native.binary(opCodes.binary.sub, out.buffer, a.buffer, a.buffer, 'x' as unknown as number)).toThrow(
    'binary: argument 4 must be a number',
  );
});
