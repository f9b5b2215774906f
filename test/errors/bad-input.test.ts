// SPDX-License-Identifier: MIT
// A table of bad inputs: each must raise the right kiln error class (always a KilnError)
// with a message that names the op and the shapes, dtypes or devices involved, whether the
// check runs in TypeScript or in the native kernels. Afterwards the process must still work.

import * as kiln from '../../lib';

type ErrorClass = new (message: string) => kiln.KilnError;

interface BadCase {
  name: string;
  run: () => unknown;
  error: ErrorClass;
  message: RegExp;
}

const i64 = (data: kiln.TensorData) => kiln.tensor(data, { dtype: 'int64' });

const cases: BadCase[] = [
  // ---- shapes --------------------------------------------------------------------------
  {
    name: 'broadcast shape mismatch: add [2, 3] + [4]',
    run: () => kiln.add(kiln.zeros(2, 3), kiln.zeros(4)),
    error: kiln.ShapeError,
    message: /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together/,
  },
  {
    name: 'broadcast shape mismatch in a method and a comparison',
    run: () => kiln.zeros(3, 1, 2).lt(kiln.zeros(4, 3)),
    error: kiln.ShapeError,
    message: /^lt: shapes \[3, 1, 2\] and \[4, 3\] cannot be broadcast/,
  },
  {
    name: 'matmul inner sizes differ',
    run: () => kiln.matmul(kiln.zeros(2, 3), kiln.zeros(4, 5)),
    error: kiln.ShapeError,
    message: /^matmul: .*2x3 and 4x5.*\[2, 3\] and \[4, 5\]/,
  },
  {
    name: 'matmul dtype mismatch',
    run: () => kiln.matmul(kiln.zeros(2, 3), kiln.zeros([3, 4], { dtype: 'float64' })),
    error: kiln.DTypeError,
    message: /^matmul: .*float32 and float64/,
  },
  {
    name: 'view not possible on a transposed tensor (suggests reshape)',
    run: () => kiln.zeros(2, 3).t().view(6),
    error: kiln.ShapeError,
    message: /^view: size \[6\] is not compatible with input tensor's size \[3, 2\] and stride \[1, 3\].*reshape/,
  },
  {
    name: 'reshape to a wrong element count',
    run: () => kiln.zeros(2, 3).reshape(4, 2),
    error: kiln.ShapeError,
    message: /^reshape: shape \[4, 2\] is invalid for input of size 6/,
  },
  {
    name: 'item() on a multi-element tensor',
    run: () => kiln.zeros(2, 3).item(),
    error: kiln.ShapeError,
    message: /item\(\): a tensor with 6 elements cannot be converted to a scalar/,
  },
  {
    name: 'ragged nested arrays (short row)',
    run: () => kiln.tensor([[1, 2], [3]]),
    error: kiln.ShapeError,
    message: /^tensor: ragged nested array: expected length 2 at \[1\] \(dim 1\), got 1/,
  },
  {
    name: 'ragged nested arrays (number where a row belongs)',
    run: () => kiln.tensor([[1, 2], 3]),
    error: kiln.ShapeError,
    message: /^tensor: ragged nested array: .*at \[1\]/,
  },
  {
    name: 'cat of mismatched shapes',
    run: () => kiln.cat([kiln.zeros(2, 3), kiln.zeros(2, 4)], 0),
    error: kiln.ShapeError,
    message: /^cat: sizes of tensors must match except in dimension 0.*\[2, 3\] and \[2, 4\]/,
  },
  {
    name: 'stack of different shapes',
    run: () => kiln.stack([kiln.zeros(2), kiln.zeros(3)]),
    error: kiln.ShapeError,
    message: /^stack: .*\[2\] at entry 0 and \[3\] at entry 1/,
  },
  {
    name: 'expand to an incompatible size',
    run: () => kiln.zeros(2, 3).expand(4, 3),
    error: kiln.ShapeError,
    message: /^expand: the expanded size of the tensor \(4\) must match the existing size \(2\).*\[4, 3\].*\[2, 3\]/,
  },
  {
    name: 'negative sizes to zeros()',
    run: () => kiln.zeros([-1, 2]),
    error: kiln.ShapeError,
    message: /^zeros: sizes must be non-negative integers, got \[-1, 2\]/,
  },
  {
    name: 'fractional sizes to ones()',
    run: () => kiln.ones(2.5),
    error: kiln.ShapeError,
    message: /^ones: sizes must be non-negative integers, got \[2\.5\]/,
  },
  {
    name: 'permute with the wrong number of dims',
    run: () => kiln.zeros(2, 3, 4).permute(1, 0),
    error: kiln.ShapeError,
    message: /^permute: number of dims don't match \(input has 3 dims, got 2: \[1, 0\]\)/,
  },
  {
    name: 'in-place op whose broadcast shape is not the input shape',
    run: () => kiln.zeros(3).add_(kiln.zeros(2, 3)),
    error: kiln.ShapeError,
    message: /^add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/,
  },
  {
    name: 'split sizes that do not add up',
    run: () => kiln.zeros(5).split([2, 2]),
    error: kiln.ShapeError,
    message: /^split: split sizes \[2, 2\] must sum to the dimension size 5/,
  },
  {
    name: 'arange with a step of the wrong sign',
    run: () => kiln.arange(0, 5, -1),
    error: kiln.ShapeError,
    message: /^arange: .*start 0, end 5, step -1/,
  },

  // ---- dims and indices ----------------------------------------------------------------
  {
    name: 'sum over dim 5 of a 2-d tensor',
    run: () => kiln.zeros(2, 3).sum(5),
    error: kiln.IndexError,
    message: /^sum: dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)/,
  },
  {
    name: 'transpose with a dim out of range',
    run: () => kiln.zeros(2, 3).transpose(0, -3),
    error: kiln.IndexError,
    message: /^transpose: dimension out of range .*got -3/,
  },
  {
    name: 'select out of range',
    run: () => kiln.zeros(3, 2).select(0, 3),
    error: kiln.IndexError,
    message: /^select: index 3 is out of bounds for dimension 0 with size 3/,
  },
  {
    name: 'gather index out of range (checked by the kernel)',
    run: () => kiln.zeros(2, 3).gather(1, i64([[0, 5], [1, 2]])),
    error: kiln.IndexError,
    message: /^gather: index 5 is out of bounds for dimension 1 with size 3/,
  },
  {
    name: 'indexSelect index out of range (checked by the kernel)',
    run: () => kiln.zeros(2, 3).indexSelect(0, i64([0, 2])),
    error: kiln.IndexError,
    message: /^indexSelect: index 2 is out of bounds for dimension 0 with size 2/,
  },
  {
    name: 'scatter index out of range',
    run: () => kiln.zeros(4).scatter(0, i64([7]), 1),
    error: kiln.IndexError,
    message: /^scatter: index 7 is out of bounds for dimension 0 with size 4/,
  },
  {
    name: 'take index out of range',
    run: () => kiln.zeros(2, 3).take(i64([-7])),
    error: kiln.IndexError,
    message: /^take: index -7 is out of range for a tensor of 6 elements/,
  },
  {
    name: 'too many indices in index()',
    run: () => kiln.zeros(2, 3).index(0, 0, 0),
    error: kiln.IndexError,
    message: /^index: too many indices for tensor of dimension 2 \(got 3\)/,
  },
  {
    name: 'topk with k larger than the dim',
    run: () => kiln.zeros(3).topk(4),
    error: kiln.IndexError,
    message: /^topk: k \(4\) is out of range for dimension 0 of size 3/,
  },

  // ---- dtypes --------------------------------------------------------------------------
  {
    name: 'NaN to int64 in kiln.tensor',
    run: () => kiln.tensor([1, NaN], { dtype: 'int64' }),
    error: kiln.DTypeError,
    message: /^tensor: cannot convert NaN \(element 1\) to int64/,
  },
  {
    name: 'Infinity to int32 in kiln.tensor',
    run: () => kiln.tensor([[0], [-Infinity]], { dtype: 'int32' }),
    error: kiln.DTypeError,
    message: /^tensor: cannot convert -Infinity \(element 1\) to int32/,
  },
  {
    name: 'unknown dtype string',
    run: () => kiln.zeros([2], { dtype: 'float16' as kiln.DType }),
    error: kiln.DTypeError,
    message: /^zeros: unknown dtype "float16"; expected one of float32, float64, int32, int64, bool/,
  },
  {
    name: 'unknown dtype in to({dtype})',
    run: () => kiln.zeros(2).to({ dtype: 'half' as kiln.DType }),
    error: kiln.DTypeError,
    message: /^to: unknown dtype "half"/,
  },
  {
    name: 'requiresGrad on an int tensor',
    run: () => kiln.zeros([2], { dtype: 'int64', requiresGrad: true }),
    error: kiln.DTypeError,
    message: /^zeros: only tensors of floating point dtype can require gradients, got int64/,
  },
  {
    name: 'requiresGrad on bool data',
    run: () => kiln.tensor([true], { requiresGrad: true }),
    error: kiln.DTypeError,
    message: /^tensor: only tensors of floating point dtype can require gradients, got bool/,
  },
  {
    name: 'mean of an int tensor',
    run: () => i64([1, 2]).mean(),
    error: kiln.DTypeError,
    message: /^mean: .*floating point.*got int64/,
  },
  {
    name: 'in-place add whose float result cannot be cast to int64',
    run: () => i64([1, 2]).add_(1.5),
    error: kiln.DTypeError,
    message: /^add_: result type float32 can't be cast to the desired output type int64/,
  },
  {
    name: 'in-place unary float op on an int tensor',
    run: () => i64([4]).sqrt_(),
    error: kiln.DTypeError,
    message: /^sqrt_: result type float32 can't be cast to the desired output type int64/,
  },
  {
    name: 'where with a non-bool condition',
    run: () => kiln.where(kiln.tensor([1, 0]), 1, 2),
    error: kiln.DTypeError,
    message: /^where: expected condition to be a bool tensor, got float32/,
  },
  {
    name: 'maskedFill with a non-bool mask',
    run: () => kiln.zeros(2).maskedFill(i64([1, 0]), 3),
    error: kiln.DTypeError,
    message: /^maskedFill: expected a bool mask, got int64/,
  },
  {
    name: 'negation of a bool tensor',
    run: () => kiln.tensor([true]).neg(),
    error: kiln.DTypeError,
    message: /^neg: not supported for bool/,
  },
  {
    name: 'a float index tensor',
    run: () => kiln.zeros(3).indexSelect(0, kiln.tensor([1])),
    error: kiln.DTypeError,
    message: /^indexSelect: expected an int64 \(or int32\) index tensor, got float32/,
  },
  {
    name: 'rand with an integer dtype',
    run: () => kiln.rand([2], { dtype: 'int32' }),
    error: kiln.DTypeError,
    message: /^rand: expected a floating point dtype, got int32/,
  },
  {
    name: 'a Uint8Array without a dtype',
    run: () => kiln.tensor(new Uint8Array(2)),
    error: kiln.DTypeError,
    message: /^tensor: cannot infer a dtype from Uint8Array/,
  },

  // ---- devices -------------------------------------------------------------------------
  {
    name: 'unknown device string',
    run: () => kiln.zeros([2], { device: 'tpu' }),
    error: kiln.DeviceError,
    message: /unknown device "tpu"; expected 'cpu', 'cuda' or 'cuda:N'/,
  },
  {
    name: 'malformed cuda device string',
    run: () => kiln.ones([1], { device: 'cuda:x' }),
    error: kiln.DeviceError,
    message: /unknown device "cuda:x"/,
  },

  // ---- lifetime and misc ---------------------------------------------------------------
  {
    name: 'use of a disposed tensor',
    run: () => {
      const t = kiln.zeros(2, 3);
      t.dispose();
      return t.add(1);
    },
    error: kiln.DisposedTensorError,
    message: /shape \[2, 3\], float32\) was disposed and cannot be used/,
  },
  {
    name: 'setNumThreads(0)',
    run: () => kiln.setNumThreads(0),
    error: kiln.KilnError,
    message: /^setNumThreads: expected a positive integer, got 0/,
  },
  {
    name: 'kiln.tensor of a Tensor',
    run: () => kiln.tensor(kiln.zeros(2) as unknown as kiln.TensorData),
    error: kiln.DTypeError,
    message: /^tensor: got a Tensor; use \.clone\(\) or \.to\(\)/,
  },
];

// CUDA-specific cases only make sense where CUDA is absent.
if (!kiln.cuda.isAvailable()) {
  cases.push(
    {
      name: 'creating a cuda tensor without CUDA',
      run: () => kiln.zeros([2], { device: 'cuda' }),
      error: kiln.DeviceError,
      message: /cuda:0: CUDA is not available/,
    },
    {
      name: 'moving a tensor to cuda:1 without CUDA',
      run: () => kiln.ones(2).to('cuda:1'),
      error: kiln.DeviceError,
      message: /^to: cannot move a tensor from cpu to cuda:1: CUDA is not available/,
    },
    {
      name: '.cuda() without CUDA',
      run: () => kiln.ones(2).cuda(),
      error: kiln.DeviceError,
      message: /cpu to cuda:0: CUDA is not available/,
    },
  );
}

/** Runs fn and returns what it threw (failing the test if it did not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw, but it returned normally');
}

describe('bad inputs raise typed, descriptive errors', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const e = thrown(c.run);
    expect(e).toBeInstanceOf(kiln.KilnError);
    expect(e).toBeInstanceOf(c.error);
    const err = e as kiln.KilnError;
    // The class name and code identify the kind even across realms and serialization.
    expect(err.name).toBe(c.error.name);
    expect(err.code).toBe(new c.error('').code);
    expect(err.message).toMatch(c.message);
  });

  test('every class is a KilnError with its own code', () => {
    const classes: ErrorClass[] = [
      kiln.ShapeError,
      kiln.DTypeError,
      kiln.DeviceError,
      kiln.IndexError,
      kiln.DisposedTensorError,
      kiln.AutogradError,
      kiln.SerializationError,
      kiln.CudaError,
    ];
    const codes = classes.map((C) => new C('x').code);
    expect(new Set(codes).size).toBe(classes.length);
    for (const C of classes) {
      const e = new C('msg');
      expect(e).toBeInstanceOf(kiln.KilnError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(C.name);
      expect(e.code).toMatch(/^KILN_/);
    }
  });

  test('errors from the native kernels carry a JS stack through the calling op', () => {
    const e = thrown(() => kiln.zeros(2, 3).gather(1, i64([[0, 9], [0, 0]]))) as Error;
    expect(e).toBeInstanceOf(kiln.IndexError);
    expect(e.stack).toMatch(/gather/);
  });
});

describe('the process survives bad calls', () => {
  test('after every bad call above, ordinary ops still work', () => {
    for (const c of cases) expect(c.run).toThrow(kiln.KilnError);
    const a = kiln.tensor([[1, 2], [3, 4]]);
    const b = kiln.tensor([[5, 6], [7, 8]]);
    expect(a.matmul(b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(a.add(b).sum().item()).toBe(36);
    expect(a.gather(1, i64([[1], [0]])).toArray()).toEqual([[2], [3]]);
    expect(kiln.zeros(2, 3).t().reshape(6).shape).toEqual([6]);
  });
});
