// SPDX-License-Identifier: MIT
// Tests for the PyTorch-style tensor printer. The expected strings are
// PyTorch's own repr output for the same values and print options, with the
// suffixes spelled the kiln way (`dtype=float64`, `requires_grad=true`). The
// cases with a device were assembled by PyTorch's _tensor_str and
// _add_suffixes with the same suffix list a device tensor gets.

import {
  defaultPrintOptions,
  formatTensor,
  getPrintOptions,
  setPrintOptions,
  type FormatInput,
  type PrintOptions,
} from '../../lib/tensor/format';

/** n values f(0), f(1), ... (the same formula generated the expected text). */
function seq(n: number, f: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

interface ReprCase {
  name: string;
  input: FormatInput;
  opts?: Partial<PrintOptions>;
  expected: string;
}

const pytorchCases: ReprCase[] = [
  {
    name: "1-d float, fixed mode",
    input: { values: [1.5, -2.25, 3.125], shape: [3], dtype: "float32" },
    expected: "tensor([ 1.5000, -2.2500,  3.1250])",
  },
  {
    name: "1-d float, int mode",
    input: { values: [1, 2, -3, 100], shape: [4], dtype: "float32" },
    expected: "tensor([  1.,   2.,  -3., 100.])",
  },
  {
    name: "2-d float, fixed mode",
    input: { values: seq(6, (i) => (i - 2.5) / 3), shape: [2, 3], dtype: "float32" },
    expected: [
      "tensor([[-0.8333, -0.5000, -0.1667],",
      "        [ 0.1667,  0.5000,  0.8333]])",
    ].join('\n'),
  },
  {
    name: "3-d float, blank lines between slices",
    input: { values: seq(12, (i) => i * 0.5 - 3), shape: [2, 2, 3], dtype: "float32" },
    expected: [
      "tensor([[[-3.0000, -2.5000, -2.0000],",
      "         [-1.5000, -1.0000, -0.5000]],",
      "",
      "        [[ 0.0000,  0.5000,  1.0000],",
      "         [ 1.5000,  2.0000,  2.5000]]])",
    ].join('\n'),
  },
  {
    name: "4-d float, two blank lines between outer slices",
    input: { values: seq(8, (i) => i - 7), shape: [2, 2, 1, 2], dtype: "float32" },
    expected: [
      "tensor([[[[-7., -6.]],",
      "",
      "         [[-5., -4.]]],",
      "",
      "",
      "        [[[-3., -2.]],",
      "",
      "         [[-1.,  0.]]]])",
    ].join('\n'),
  },
  {
    name: "fixed mode with negatives and padding",
    input: { values: [-0.5, 12.25, -123.125, 7, 0.25], shape: [5], dtype: "float32" },
    expected: "tensor([  -0.5000,   12.2500, -123.1250,    7.0000,    0.2500])",
  },
  {
    name: "int mode with negative zero",
    input: { values: [0, -0, 5], shape: [3], dtype: "float32" },
    expected: "tensor([0., -0., 5.])",
  },
  {
    name: "only zeros",
    input: { values: [0, -0, 0], shape: [3], dtype: "float32" },
    expected: "tensor([0., -0., 0.])",
  },
  {
    name: "int mode, nan and inf",
    input: { values: [1, NaN, Infinity, -Infinity, -20], shape: [5], dtype: "float32" },
    expected: "tensor([  1.,  nan,  inf, -inf, -20.])",
  },
  {
    name: "fixed mode, nan and inf",
    input: { values: [1.5, NaN, -Infinity, 2], shape: [4], dtype: "float32" },
    expected: "tensor([1.5000,    nan,   -inf, 2.0000])",
  },
  {
    name: "sci mode, nan and inf",
    input: { values: [1e-05, NaN, Infinity, 12.5], shape: [4], dtype: "float32" },
    expected: "tensor([1.0000e-05,        nan,        inf, 1.2500e+01])",
  },
  {
    name: "all nan",
    input: { values: [NaN, NaN], shape: [2], dtype: "float32" },
    expected: "tensor([nan, nan])",
  },
  {
    name: "sci mode from a large ratio",
    input: { values: [123456.789, 0.5, -3], shape: [3], dtype: "float32" },
    expected: "tensor([ 1.2346e+05,  5.0000e-01, -3.0000e+00])",
  },
  {
    name: "sci mode from a small value",
    input: { values: [1e-05, 0.5], shape: [2], dtype: "float32" },
    expected: "tensor([1.0000e-05, 5.0000e-01])",
  },
  {
    name: "sci mode from a value over 1e8",
    input: { values: [123456789, 1.5], shape: [2], dtype: "float32" },
    expected: "tensor([1.2346e+08, 1.5000e+00])",
  },
  {
    name: "int mode switches to sci mode on a large ratio",
    input: { values: [1, 100000], shape: [2], dtype: "float32" },
    expected: "tensor([1.0000e+00, 1.0000e+05])",
  },
  {
    name: "int mode switches to sci mode over 1e8",
    input: { values: [1000000000, 2000000000], shape: [2], dtype: "float32" },
    expected: "tensor([1.0000e+09, 2.0000e+09])",
  },
  {
    name: "1e8 itself stays in int mode",
    input: { values: [100000000, 30000000], shape: [2], dtype: "float32" },
    expected: "tensor([100000000.,  30000000.])",
  },
  {
    name: "ratio of exactly 1000 stays fixed",
    input: { values: [0.5, 500], shape: [2], dtype: "float32" },
    expected: "tensor([  0.5000, 500.0000])",
  },
  {
    name: "float32 rounding shows in the digits",
    input: { values: [0.1, 0.2], shape: [2], dtype: "float32" },
    expected: "tensor([0.1000, 0.2000])",
  },
  {
    name: "half-way values round to even",
    input: { values: [0.03125, 1.03125, -0.03125, 2.00005], shape: [4], dtype: "float64" },
    expected: "tensor([ 0.0312,  1.0312, -0.0312,  2.0000], dtype=float64)",
  },
  {
    name: "half-way values round to even in sci mode",
    input: { values: [1.03125e-05, 1.5, 203125], shape: [3], dtype: "float64" },
    expected: "tensor([1.0312e-05, 1.5000e+00, 2.0312e+05], dtype=float64)",
  },
  {
    name: "rounding carries into the integer part",
    input: { values: [9.99999, 0.5], shape: [2], dtype: "float32" },
    expected: "tensor([10.0000,  0.5000])",
  },
  {
    name: "values that round to negative zero",
    input: { values: [-1e-05, 1.5], shape: [2], dtype: "float64" },
    opts: { sciMode: false },
    expected: "tensor([    -0.0000,      1.5000], dtype=float64)",
  },
  {
    name: "wide 1-d row wraps",
    input: { values: seq(30, (i) => i * 1.25), shape: [30], dtype: "float32" },
    expected: [
      "tensor([ 0.0000,  1.2500,  2.5000,  3.7500,  5.0000,  6.2500,  7.5000,  8.7500,",
      "        10.0000, 11.2500, 12.5000, 13.7500, 15.0000, 16.2500, 17.5000, 18.7500,",
      "        20.0000, 21.2500, 22.5000, 23.7500, 25.0000, 26.2500, 27.5000, 28.7500,",
      "        30.0000, 31.2500, 32.5000, 33.7500, 35.0000, 36.2500])",
    ].join('\n'),
  },
  {
    name: "wide 2-d rows wrap with indentation",
    input: { values: seq(50, (i) => i / 7), shape: [2, 25], dtype: "float32" },
    expected: [
      "tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,",
      "         1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,",
      "         2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286],",
      "        [3.5714, 3.7143, 3.8571, 4.0000, 4.1429, 4.2857, 4.4286, 4.5714, 4.7143,",
      "         4.8571, 5.0000, 5.1429, 5.2857, 5.4286, 5.5714, 5.7143, 5.8571, 6.0000,",
      "         6.1429, 6.2857, 6.4286, 6.5714, 6.7143, 6.8571, 7.0000]])",
    ].join('\n'),
  },
  {
    name: "wide int row wraps",
    input: { values: seq(40, (i) => i * 1000), shape: [40], dtype: "int64" },
    expected: [
      "tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,",
      "        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000,",
      "        20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000,",
      "        30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000, 38000, 39000])",
    ].join('\n'),
  },
  {
    name: "long 2-d sci rows",
    input: { values: seq(20, (i) => (i !== 3 ? (i + 1) * 12345.5 - 0.25 * i * i : 0.001)), shape: [2, 10], dtype: "float32" },
    expected: [
      "tensor([[1.2346e+04, 2.4691e+04, 3.7036e+04, 1.0000e-03, 6.1724e+04, 7.4067e+04,",
      "         8.6410e+04, 9.8752e+04, 1.1109e+05, 1.2343e+05],",
      "        [1.3578e+05, 1.4812e+05, 1.6046e+05, 1.7279e+05, 1.8513e+05, 1.9747e+05,",
      "         2.0981e+05, 2.2215e+05, 2.3448e+05, 2.4682e+05]])",
    ].join('\n'),
  },
  {
    name: "summarized [2000]",
    input: { values: seq(2000, (i) => (i * 7919 % 10007) / 64 - 70), shape: [2000], dtype: "float32" },
    expected: "tensor([-70.0000,  53.7344,  21.1094,  ..., -20.2656, -52.8906,  70.8438])",
  },
  {
    name: "summarized [100, 100]",
    input: { values: seq(10000, (i) => (i * 7919 % 10007) / 64 - 70), shape: [100, 100], dtype: "float32" },
    expected: [
      "tensor([[-70.0000,  53.7344,  21.1094,  ...,  48.9219,  16.2969, -16.3281],",
      "        [-48.9531,  74.7812,  42.1562,  ...,  69.9688,  37.3438,   4.7188],",
      "        [-27.9062, -60.5312,  63.2031,  ..., -65.3438,  58.3906,  25.7656],",
      "        ...,",
      "        [-61.1250,  62.6094,  29.9844,  ...,  57.7969,  25.1719,  -7.4531],",
      "        [-40.0781,  83.6562,  51.0312,  ...,  78.8438,  46.2188,  13.5938],",
      "        [-19.0312, -51.6562,  72.0781,  ..., -56.4688,  67.2656,  34.6406]])",
    ].join('\n'),
  },
  {
    name: "summarized 3-d [20, 10, 10]",
    input: { values: seq(2000, (i) => i * 0.25), shape: [20, 10, 10], dtype: "float32" },
    expected: [
      "tensor([[[0.0000e+00, 2.5000e-01, 5.0000e-01,  ..., 1.7500e+00,",
      "          2.0000e+00, 2.2500e+00],",
      "         [2.5000e+00, 2.7500e+00, 3.0000e+00,  ..., 4.2500e+00,",
      "          4.5000e+00, 4.7500e+00],",
      "         [5.0000e+00, 5.2500e+00, 5.5000e+00,  ..., 6.7500e+00,",
      "          7.0000e+00, 7.2500e+00],",
      "         ...,",
      "         [1.7500e+01, 1.7750e+01, 1.8000e+01,  ..., 1.9250e+01,",
      "          1.9500e+01, 1.9750e+01],",
      "         [2.0000e+01, 2.0250e+01, 2.0500e+01,  ..., 2.1750e+01,",
      "          2.2000e+01, 2.2250e+01],",
      "         [2.2500e+01, 2.2750e+01, 2.3000e+01,  ..., 2.4250e+01,",
      "          2.4500e+01, 2.4750e+01]],",
      "",
      "        [[2.5000e+01, 2.5250e+01, 2.5500e+01,  ..., 2.6750e+01,",
      "          2.7000e+01, 2.7250e+01],",
      "         [2.7500e+01, 2.7750e+01, 2.8000e+01,  ..., 2.9250e+01,",
      "          2.9500e+01, 2.9750e+01],",
      "         [3.0000e+01, 3.0250e+01, 3.0500e+01,  ..., 3.1750e+01,",
      "          3.2000e+01, 3.2250e+01],",
      "         ...,",
      "         [4.2500e+01, 4.2750e+01, 4.3000e+01,  ..., 4.4250e+01,",
      "          4.4500e+01, 4.4750e+01],",
      "         [4.5000e+01, 4.5250e+01, 4.5500e+01,  ..., 4.6750e+01,",
      "          4.7000e+01, 4.7250e+01],",
      "         [4.7500e+01, 4.7750e+01, 4.8000e+01,  ..., 4.9250e+01,",
      "          4.9500e+01, 4.9750e+01]],",
      "",
      "        [[5.0000e+01, 5.0250e+01, 5.0500e+01,  ..., 5.1750e+01,",
      "          5.2000e+01, 5.2250e+01],",
      "         [5.2500e+01, 5.2750e+01, 5.3000e+01,  ..., 5.4250e+01,",
      "          5.4500e+01, 5.4750e+01],",
      "         [5.5000e+01, 5.5250e+01, 5.5500e+01,  ..., 5.6750e+01,",
      "          5.7000e+01, 5.7250e+01],",
      "         ...,",
      "         [6.7500e+01, 6.7750e+01, 6.8000e+01,  ..., 6.9250e+01,",
      "          6.9500e+01, 6.9750e+01],",
      "         [7.0000e+01, 7.0250e+01, 7.0500e+01,  ..., 7.1750e+01,",
      "          7.2000e+01, 7.2250e+01],",
      "         [7.2500e+01, 7.2750e+01, 7.3000e+01,  ..., 7.4250e+01,",
      "          7.4500e+01, 7.4750e+01]],",
      "",
      "        ...,",
      "",
      "        [[4.2500e+02, 4.2525e+02, 4.2550e+02,  ..., 4.2675e+02,",
      "          4.2700e+02, 4.2725e+02],",
      "         [4.2750e+02, 4.2775e+02, 4.2800e+02,  ..., 4.2925e+02,",
      "          4.2950e+02, 4.2975e+02],",
      "         [4.3000e+02, 4.3025e+02, 4.3050e+02,  ..., 4.3175e+02,",
      "          4.3200e+02, 4.3225e+02],",
      "         ...,",
      "         [4.4250e+02, 4.4275e+02, 4.4300e+02,  ..., 4.4425e+02,",
      "          4.4450e+02, 4.4475e+02],",
      "         [4.4500e+02, 4.4525e+02, 4.4550e+02,  ..., 4.4675e+02,",
      "          4.4700e+02, 4.4725e+02],",
      "         [4.4750e+02, 4.4775e+02, 4.4800e+02,  ..., 4.4925e+02,",
      "          4.4950e+02, 4.4975e+02]],",
      "",
      "        [[4.5000e+02, 4.5025e+02, 4.5050e+02,  ..., 4.5175e+02,",
      "          4.5200e+02, 4.5225e+02],",
      "         [4.5250e+02, 4.5275e+02, 4.5300e+02,  ..., 4.5425e+02,",
      "          4.5450e+02, 4.5475e+02],",
      "         [4.5500e+02, 4.5525e+02, 4.5550e+02,  ..., 4.5675e+02,",
      "          4.5700e+02, 4.5725e+02],",
      "         ...,",
      "         [4.6750e+02, 4.6775e+02, 4.6800e+02,  ..., 4.6925e+02,",
      "          4.6950e+02, 4.6975e+02],",
      "         [4.7000e+02, 4.7025e+02, 4.7050e+02,  ..., 4.7175e+02,",
      "          4.7200e+02, 4.7225e+02],",
      "         [4.7250e+02, 4.7275e+02, 4.7300e+02,  ..., 4.7425e+02,",
      "          4.7450e+02, 4.7475e+02]],",
      "",
      "        [[4.7500e+02, 4.7525e+02, 4.7550e+02,  ..., 4.7675e+02,",
      "          4.7700e+02, 4.7725e+02],",
      "         [4.7750e+02, 4.7775e+02, 4.7800e+02,  ..., 4.7925e+02,",
      "          4.7950e+02, 4.7975e+02],",
      "         [4.8000e+02, 4.8025e+02, 4.8050e+02,  ..., 4.8175e+02,",
      "          4.8200e+02, 4.8225e+02],",
      "         ...,",
      "         [4.9250e+02, 4.9275e+02, 4.9300e+02,  ..., 4.9425e+02,",
      "          4.9450e+02, 4.9475e+02],",
      "         [4.9500e+02, 4.9525e+02, 4.9550e+02,  ..., 4.9675e+02,",
      "          4.9700e+02, 4.9725e+02],",
      "         [4.9750e+02, 4.9775e+02, 4.9800e+02,  ..., 4.9925e+02,",
      "          4.9950e+02, 4.9975e+02]]])",
    ].join('\n'),
  },
  {
    name: "summarized int [2000]",
    input: { values: seq(2000, (i) => i * 3 - 3000), shape: [2000], dtype: "int64" },
    expected: "tensor([-3000, -2997, -2994,  ...,  2991,  2994,  2997])",
  },
  {
    name: "summary width ignores hidden values",
    input: { values: seq(2000, (i) => (i === 1000 ? 1e10 : (i % 100) + 0.5)), shape: [2000], dtype: "float32" },
    expected: "tensor([ 0.5000,  1.5000,  2.5000,  ..., 97.5000, 98.5000, 99.5000])",
  },
  {
    name: "summarized [2, 600]: short dims are kept",
    input: { values: seq(1200, (i) => i % 7), shape: [2, 600], dtype: "float32" },
    expected: [
      "tensor([[0., 1., 2.,  ..., 2., 3., 4.],",
      "        [5., 6., 0.,  ..., 0., 1., 2.]])",
    ].join('\n'),
  },
  {
    name: "summarized with custom edgeitems and threshold",
    input: { values: seq(10, (i) => i), shape: [10], dtype: "int64" },
    opts: { threshold: 5, edgeitems: 2 },
    expected: "tensor([0, 1,  ..., 8, 9])",
  },
  {
    name: "summarized with edgeitems 0",
    input: { values: seq(10, (i) => i), shape: [10], dtype: "int64" },
    opts: { threshold: 5, edgeitems: 0 },
    expected: "tensor([ ..., 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])",
  },
  {
    name: "threshold is a strict limit",
    input: { values: seq(6, (i) => i), shape: [6], dtype: "int64" },
    opts: { threshold: 6, edgeitems: 1 },
    expected: "tensor([0, 1, 2, 3, 4, 5])",
  },
  {
    name: "int32 with dtype suffix",
    input: { values: [1, -22, 333, 4], shape: [4], dtype: "int32" },
    expected: "tensor([  1, -22, 333,   4], dtype=int32)",
  },
  {
    name: "int64 without dtype suffix",
    input: { values: [10, -2, 3, 400], shape: [2, 2], dtype: "int64" },
    expected: [
      "tensor([[ 10,  -2],",
      "        [  3, 400]])",
    ].join('\n'),
  },
  {
    name: "int64 beyond 2^53",
    input: { values: [9007199254740993n, -9223372036854775808n], shape: [2], dtype: "int64" },
    expected: "tensor([    9007199254740993, -9223372036854775808])",
  },
  {
    name: "bool",
    input: { values: [true, false, true], shape: [3], dtype: "bool" },
    expected: "tensor([ True, False,  True])",
  },
  {
    name: "bool, all true",
    input: { values: [true, true, true, true], shape: [2, 2], dtype: "bool" },
    expected: [
      "tensor([[True, True],",
      "        [True, True]])",
    ].join('\n'),
  },
  {
    name: "float64 suffix",
    input: { values: [1, 2], shape: [2], dtype: "float64" },
    expected: "tensor([1., 2.], dtype=float64)",
  },
  {
    name: "float64 fixed mode",
    input: { values: [0.3333333333333333, 2.5, -7.125], shape: [3], dtype: "float64" },
    expected: "tensor([ 0.3333,  2.5000, -7.1250], dtype=float64)",
  },
  {
    name: "requires_grad",
    input: { values: [1, 2], shape: [2], dtype: "float32", requiresGrad: true },
    expected: "tensor([1., 2.], requires_grad=true)",
  },
  {
    name: "grad_fn",
    input: { values: [2, 3], shape: [2], dtype: "float32", requiresGrad: true, gradFn: 'AddBackward0' },
    expected: "tensor([2., 3.], grad_fn=<AddBackward0>)",
  },
  {
    name: "device, dtype and requires_grad",
    input: { values: [1, 2], shape: [2], dtype: "float64", device: 'cuda:0', requiresGrad: true },
    expected: "tensor([1., 2.], device='cuda:0', dtype=float64, requires_grad=true)",
  },
  {
    name: "device with int32",
    input: { values: [1, 2, 3], shape: [3], dtype: "int32", device: 'cuda:1' },
    expected: "tensor([1, 2, 3], device='cuda:1', dtype=int32)",
  },
  {
    name: "suffixes wrap after a long last line",
    input: { values: seq(18, (i) => i / 3), shape: [18], dtype: "float64", requiresGrad: true },
    expected: [
      "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,",
      "        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667],",
      "       dtype=float64, requires_grad=true)",
    ].join('\n'),
  },
  {
    name: "suffixes after multi-line data",
    input: { values: [1, 2.5, 4, 5.5, 7, 8.5, 10, 11.5, 13, 14.5, 16, 17.5, 19, 20.5, 22, 23.5, 25, 26.5, 28, 29.5, 31, 32.5, 34, 35.5], shape: [3, 8], dtype: "float64", device: 'cuda:0', requiresGrad: true, gradFn: 'AddBackward0' },
    expected: [
      "tensor([[ 1.0000,  2.5000,  4.0000,  5.5000,  7.0000,  8.5000, 10.0000, 11.5000],",
      "        [13.0000, 14.5000, 16.0000, 17.5000, 19.0000, 20.5000, 22.0000, 23.5000],",
      "        [25.0000, 26.5000, 28.0000, 29.5000, 31.0000, 32.5000, 34.0000, 35.5000]],",
      "       device='cuda:0', dtype=float64, grad_fn=<AddBackward0>)",
    ].join('\n'),
  },
  {
    name: "summarized with suffixes",
    input: { values: seq(3000, (i) => i / 4), shape: [3000], dtype: "float64", requiresGrad: true },
    expected: [
      "tensor([0.0000e+00, 2.5000e-01, 5.0000e-01,  ..., 7.4925e+02, 7.4950e+02,",
      "        7.4975e+02], dtype=float64, requires_grad=true)",
    ].join('\n'),
  },
  {
    name: "0-d float",
    input: { values: [3], shape: [], dtype: "float32" },
    expected: "tensor(3.)",
  },
  {
    name: "0-d fractional float",
    input: { values: [3.14159], shape: [], dtype: "float32" },
    expected: "tensor(3.1416)",
  },
  {
    name: "0-d int",
    input: { values: [3], shape: [], dtype: "int64" },
    expected: "tensor(3)",
  },
  {
    name: "0-d float64 with grad",
    input: { values: [-2.5], shape: [], dtype: "float64", requiresGrad: true },
    expected: "tensor(-2.5000, dtype=float64, requires_grad=true)",
  },
  {
    name: "0-d bool",
    input: { values: [false], shape: [], dtype: "bool" },
    expected: "tensor(False)",
  },
  {
    name: "0-d nan",
    input: { values: [NaN], shape: [], dtype: "float32" },
    expected: "tensor(nan)",
  },
  {
    name: "empty 1-d float",
    input: { values: [], shape: [0], dtype: "float32" },
    expected: "tensor([])",
  },
  {
    name: "empty 1-d int64 shows dtype",
    input: { values: [], shape: [0], dtype: "int64" },
    expected: "tensor([], dtype=int64)",
  },
  {
    name: "empty [2, 0]",
    input: { values: [], shape: [2, 0], dtype: "float32" },
    expected: "tensor([], size=(2, 0))",
  },
  {
    name: "empty [0, 3] bool",
    input: { values: [], shape: [0, 3], dtype: "bool" },
    expected: "tensor([], size=(0, 3), dtype=bool)",
  },
  {
    name: "empty with device",
    input: { values: [], shape: [2, 0], dtype: "float64", device: 'cuda:0' },
    expected: "tensor([], device='cuda:0', size=(2, 0), dtype=float64)",
  },
  {
    name: "custom precision 2",
    input: { values: [1.12345, -2.5, 3], shape: [3], dtype: "float32" },
    opts: { precision: 2 },
    expected: "tensor([ 1.12, -2.50,  3.00])",
  },
  {
    name: "custom precision 8",
    input: { values: [0.3333333333333333, 0.6666666666666666], shape: [2], dtype: "float64" },
    opts: { precision: 8 },
    expected: "tensor([0.33333333, 0.66666667], dtype=float64)",
  },
  {
    name: "precision 0 in fixed mode",
    input: { values: [1.5, 2.5, 3.25], shape: [3], dtype: "float64" },
    opts: { precision: 0 },
    expected: "tensor([2, 2, 3], dtype=float64)",
  },
  {
    name: "precision 0 in sci mode",
    input: { values: [15, 1e-06], shape: [2], dtype: "float64" },
    opts: { precision: 0 },
    expected: "tensor([2e+01, 1e-06], dtype=float64)",
  },
  {
    name: "precision 2 in sci mode",
    input: { values: [123456, 0.5], shape: [2], dtype: "float32" },
    opts: { precision: 2 },
    expected: "tensor([1.23e+05, 5.00e-01])",
  },
  {
    name: "forced sci mode",
    input: { values: [1.5, 2.25, -3], shape: [3], dtype: "float32" },
    opts: { sciMode: true },
    expected: "tensor([1.5000e+00, 2.2500e+00, -3.0000e+00])",
  },
  {
    name: "forced sci mode on integral values",
    input: { values: [1, 20], shape: [2], dtype: "float32" },
    opts: { sciMode: true },
    expected: "tensor([1.0000e+00, 2.0000e+01])",
  },
  {
    name: "forced sci mode is ignored for all zeros",
    input: { values: [0, 0], shape: [2], dtype: "float32" },
    opts: { sciMode: true },
    expected: "tensor([0., 0.])",
  },
  {
    name: "forced fixed mode keeps the sci width",
    input: { values: [1e-05, 1.5, 100], shape: [3], dtype: "float32" },
    opts: { sciMode: false },
    expected: "tensor([    0.0000,     1.5000,   100.0000])",
  },
  {
    name: "forced fixed mode on large integers",
    input: { values: [1e+22, 1], shape: [2], dtype: "float64" },
    opts: { sciMode: false },
    expected: "tensor([10000000000000000000000.,         1.], dtype=float64)",
  },
  {
    name: "narrow linewidth",
    input: { values: seq(6, (i) => i + 0.5), shape: [6], dtype: "float32" },
    opts: { linewidth: 20 },
    expected: [
      "tensor([0.5000,",
      "        1.5000,",
      "        2.5000,",
      "        3.5000,",
      "        4.5000,",
      "        5.5000])",
    ].join('\n'),
  },
  {
    name: "linewidth smaller than one element",
    input: { values: seq(3, (i) => i + 0.5), shape: [3], dtype: "float32" },
    opts: { linewidth: 5 },
    expected: [
      "tensor([0.5000,",
      "        1.5000,",
      "        2.5000])",
    ].join('\n'),
  },
  {
    name: "sci mode with a large ratio in a matrix",
    input: { values: [0.001, 2.5, 30000, -0.04, 5, 6], shape: [2, 3], dtype: "float32" },
    expected: [
      "tensor([[ 1.0000e-03,  2.5000e+00,  3.0000e+04],",
      "        [-4.0000e-02,  5.0000e+00,  6.0000e+00]])",
    ].join('\n'),
  },
  {
    name: "float64 with 17 significant digits",
    input: { values: [0.1, 0.14285714285714285], shape: [2], dtype: "float64" },
    opts: { precision: 10 },
    expected: "tensor([0.1000000000, 0.1428571429], dtype=float64)",
  },
  {
    name: "subnormal float64 in sci mode",
    input: { values: [5e-324, 1], shape: [2], dtype: "float64" },
    expected: "tensor([4.9407e-324,  1.0000e+00], dtype=float64)",
  },
  {
    name: "huge float64 in sci mode",
    input: { values: [1.7976931348623157e+308, -1], shape: [2], dtype: "float64" },
    expected: "tensor([1.7977e+308, -1.0000e+00], dtype=float64)",
  },
  {
    name: "short profile values",
    input: { values: seq(10, (i) => i / 3), shape: [10], dtype: "float32" },
    opts: { precision: 2, edgeitems: 2, threshold: 5 },
    expected: "tensor([0.00, 0.33,  ..., 2.67, 3.00])",
  },
];

describe('formatTensor matches PyTorch repr', () => {
  test.each(pytorchCases)('$name', ({ input, opts, expected }) => {
    expect(formatTensor(input, { ...defaultPrintOptions, ...opts })).toBe(expected);
  });
});

describe('formatTensor inputs', () => {
  test('accepts typed arrays of every dtype', () => {
    expect(formatTensor({ values: new Float32Array([1.5, 2]), shape: [2], dtype: 'float32' })).toBe(
      'tensor([1.5000, 2.0000])',
    );
    expect(formatTensor({ values: new Float64Array([1, 2]), shape: [2], dtype: 'float64' })).toBe(
      'tensor([1., 2.], dtype=float64)',
    );
    expect(formatTensor({ values: new Int32Array([7, -8]), shape: [2], dtype: 'int32' })).toBe(
      'tensor([ 7, -8], dtype=int32)',
    );
    expect(formatTensor({ values: new BigInt64Array([5n, -60n]), shape: [2], dtype: 'int64' })).toBe(
      'tensor([  5, -60])',
    );
    expect(formatTensor({ values: new Uint8Array([1, 0]), shape: [2], dtype: 'bool' })).toBe(
      'tensor([ True, False])',
    );
  });

  test('rounds plain numbers to float32 for float32 tensors', () => {
    // 0.1 as a float32 is 0.100000001490116..., which shows at precision 10.
    const opts = { ...defaultPrintOptions, precision: 10 };
    expect(formatTensor({ values: [0.1], shape: [1], dtype: 'float32' }, opts)).toBe('tensor([0.1000000015])');
    expect(formatTensor({ values: [0.1], shape: [1], dtype: 'float64' }, opts)).toBe(
      'tensor([0.1000000000], dtype=float64)',
    );
  });

  test('omits the cpu device', () => {
    expect(formatTensor({ values: [1], shape: [1], dtype: 'float32', device: 'cpu' })).toBe('tensor([1.])');
  });

  test('prints grad_fn instead of requires_grad', () => {
    const input: FormatInput = { values: [1], shape: [], dtype: 'float32', requiresGrad: true, gradFn: 'MulBackward0' };
    expect(formatTensor(input)).toBe('tensor(1., grad_fn=<MulBackward0>)');
  });

  test('places suffixes by the length of their kiln spelling', () => {
    // PyTorch measures 'dtype=torch.int32' here and would move the suffix to a
    // new line; 'dtype=int32' still fits within the 40 columns.
    const input: FormatInput = {
      values: [-368116233, 94835, -1, 90440, -1294418276],
      shape: [5],
      dtype: 'int32',
    };
    expect(formatTensor(input, { ...defaultPrintOptions, linewidth: 40 })).toBe(
      ['tensor([ -368116233,       94835,', '                 -1,       90440,', '        -1294418276], dtype=int32)'].join(
        '\n',
      ),
    );
  });

  test('rejects values that do not match the shape', () => {
    expect(() => formatTensor({ values: [1, 2, 3], shape: [2, 2], dtype: 'float32' })).toThrow(RangeError);
    expect(() => formatTensor({ values: [], shape: [-1], dtype: 'float32' })).toThrow(RangeError);
  });

  test('rejects unusable options', () => {
    const input: FormatInput = { values: [1], shape: [1], dtype: 'float32' };
    expect(() => formatTensor(input, { ...defaultPrintOptions, precision: -1 })).toThrow(RangeError);
    expect(() => formatTensor(input, { ...defaultPrintOptions, edgeitems: 1.5 })).toThrow(RangeError);
  });
});

describe('print options', () => {
  const arange10: FormatInput = { values: seq(10, (i) => i), shape: [10], dtype: 'int64' };
  const oneThird: FormatInput = { values: [1 / 3], shape: [1], dtype: 'float32' };

  afterEach(() => setPrintOptions({ profile: 'default' }));

  test('defaults are PyTorch defaults', () => {
    expect(defaultPrintOptions).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
    expect(getPrintOptions()).toEqual(defaultPrintOptions);
  });

  test('setPrintOptions changes what formatTensor uses by default', () => {
    setPrintOptions({ precision: 2 });
    expect(formatTensor(oneThird)).toBe('tensor([0.33])');
    setPrintOptions({ threshold: 5 });
    // Output of torch.set_printoptions(threshold=5); torch.arange(10)
    expect(formatTensor(arange10)).toBe('tensor([0, 1, 2,  ..., 7, 8, 9])');
    setPrintOptions({ profile: 'default' });
    expect(formatTensor(oneThird)).toBe('tensor([0.3333])');
    expect(formatTensor(arange10)).toBe('tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])');
  });

  test('profiles set the PyTorch presets and explicit fields override them', () => {
    setPrintOptions({ profile: 'short' });
    expect(getPrintOptions()).toEqual({ precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80, sciMode: null });
    setPrintOptions({ profile: 'full', linewidth: 120 });
    expect(getPrintOptions()).toEqual({
      precision: 4,
      threshold: Infinity,
      edgeitems: 3,
      linewidth: 120,
      sciMode: null,
    });
    const big: FormatInput = { values: seq(2000, (i) => i % 10), shape: [2000], dtype: 'int64' };
    expect(formatTensor(big)).not.toContain('...');
  });

  test('sciMode falls back to automatic when a later call leaves it out, as in PyTorch', () => {
    setPrintOptions({ sciMode: true });
    expect(formatTensor(oneThird)).toBe('tensor([3.3333e-01])');
    setPrintOptions({ precision: 4 });
    expect(getPrintOptions().sciMode).toBeNull();
    expect(formatTensor(oneThird)).toBe('tensor([0.3333])');
  });

  test('getPrintOptions returns a copy', () => {
    const copy = getPrintOptions();
    copy.precision = 9;
    expect(getPrintOptions().precision).toBe(4);
  });

  test('explicit options win over the module-wide ones', () => {
    setPrintOptions({ precision: 1 });
    expect(formatTensor(oneThird, { ...defaultPrintOptions, precision: 3 })).toBe('tensor([0.333])');
  });

  test('rejects an unknown profile', () => {
    expect(() => setPrintOptions({ profile: 'tiny' as 'short' })).toThrow(RangeError);
  });
});
