// SPDX-License-Identifier: MIT
// The addon checks an elementwise output's dtype against what the op writes (a kernel writing
// float64 results into a float32 buffer would run past its end), whatever JS passes.
import * as kiln from '../../lib';
import { native, opCodes } from '../../lib/backend/binding';
import { encodeView } from '../../lib/backend/view-codec';

test('unary: an output of the wrong dtype is a DTypeError, not a write past the buffer', () => {
  const input = kiln.ones([4], { dtype: 'float64' });
  const out = kiln.zeros([4], { dtype: 'float32' });
  encodeView(0, out);
  encodeView(1, input);
  expect(() => native.unary(opCodes.unary.exp, out.buffer, input.buffer, 0, 0)).toThrow(kiln.DTypeError);
  expect(out.toArray()).toEqual([0, 0, 0, 0]);
});

test('binary: a comparison must write bool, arithmetic the operand dtype', () => {
  const a = kiln.ones([3], { dtype: 'int64' });
  const out = kiln.zeros([3], { dtype: 'int64' });
  encodeView(0, out);
  encodeView(1, a);
  encodeView(2, a);
  expect(() => native.binary(opCodes.binary.lt, out.buffer, a.buffer, a.buffer, 1)).toThrow(/output must be bool, got int64/);
  const f = kiln.zeros([3], { dtype: 'float32' });
  encodeView(0, f);
  expect(() => native.binary(opCodes.binary.add, f.buffer, a.buffer, a.buffer, 1)).toThrow(kiln.DTypeError);
});
