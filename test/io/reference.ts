// SPDX-License-Identifier: MIT
// The reference contents that test/io/interop.py builds on the Python side, rebuilt in kiln,
// with their expected elements written out by hand.
import * as kiln from '../../lib';

export const REFERENCE_METADATA = { framework: 'kiln-test' };

/** The same state dict as interop.py's reference_state_dict(). */
export function referenceStateDict(): Record<string, kiln.Tensor> {
  return {
    weight: kiln.tensor([-0.5, -0.25, 0, 0.25, 0.5, 0.75]).reshape([2, 3]),
    bias: kiln.tensor([1 / 3, -2.5, 1e-300], { dtype: 'float64' }),
    step: kiln.tensor(2n ** 53n + 1n),
    idx: kiln.tensor([-1, 0, 7, 2147483647], { dtype: 'int32' }),
    mask: kiln.tensor([
      [true, false],
      [false, true],
    ]),
    empty: kiln.zeros([0, 3]),
    'layer.10.w': kiln.tensor([10]),
    'layer.2.w': kiln.tensor([2]),
  };
}

/** dtype, shape and row-major elements of each reference tensor (int64 as strings). */
export const REFERENCE_EXPECTED: Record<string, { dtype: kiln.DType; shape: number[]; values: Array<number | string | boolean> }> = {
  weight: { dtype: 'float32', shape: [2, 3], values: [-0.5, -0.25, 0, 0.25, 0.5, 0.75] },
  bias: { dtype: 'float64', shape: [3], values: [1 / 3, -2.5, 1e-300] },
  step: { dtype: 'int64', shape: [], values: ['9007199254740993'] },
  idx: { dtype: 'int32', shape: [4], values: [-1, 0, 7, 2147483647] },
  mask: { dtype: 'bool', shape: [2, 2], values: [true, false, false, true] },
  empty: { dtype: 'float32', shape: [0, 3], values: [] },
  'layer.10.w': { dtype: 'float32', shape: [1], values: [10] },
  'layer.2.w': { dtype: 'float32', shape: [1], values: [2] },
};

/** The arrays of interop.py's reference_arrays(): kiln dtype, shape and C-order elements. */
export const NPY_EXPECTED: Record<string, { dtype: kiln.DType; shape: number[]; values: Array<number | string | boolean> }> = {
  'c-f4': { dtype: 'float32', shape: [2, 3], values: [0.5, -1.25, 3, Math.fround(1e-3), 2 ** -20, -0] },
  // arange(12).reshape(2, 3, 2) / 8 - 0.75, stored in Fortran order
  'fortran-f8': { dtype: 'float64', shape: [2, 3, 2], values: Array.from({ length: 12 }, (_, i) => i / 8 - 0.75) },
  'big-i8': { dtype: 'int64', shape: [2, 2], values: ['1', '-2', String(2n ** 40n + 3n), String(-(2n ** 62n))] },
  i4: { dtype: 'int32', shape: [3], values: [-7, 0, 2147483647] },
  bool: { dtype: 'bool', shape: [1, 3], values: [true, false, true] },
  'scalar-f8': { dtype: 'float64', shape: [], values: [2.5] },
  'empty-f4': { dtype: 'float32', shape: [0, 4], values: [] },
  'v2-f4': { dtype: 'float32', shape: [2], values: [1.5, -2.5] },
  'v3-i8': { dtype: 'int64', shape: [1, 2], values: ['3', '4'] },
};

/** The fixtures np.save wrote itself (C order, little-endian, version 1.0), which kiln must reproduce byte for byte. */
export const NPY_SAVED_BY_NP_SAVE = ['c-f4', 'i4', 'bool', 'scalar-f8', 'empty-f4'];
