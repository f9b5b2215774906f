// SPDX-License-Identifier: MIT
// Gradients on CUDA: analytic gradients (the backward formulas, run on the GPU) against central
// finite differences, in float64, for the primitives a training step uses: broadcast
// arithmetic, unary functions, matmul with transposed operands, reductions over dims,
// softmax, indexing, and the losses built from them.
import * as kiln from '../../lib';
import { Rng, seedFor } from '../ops/op-db';
import { describeGpu, GPU } from './gpu';

type Tensor = kiln.Tensor;

/** A float64 leaf on the GPU with values in [lo, hi), requiring gradients. */
function leaf(name: string, shape: number[], lo = -1.5, hi = 1.5): Tensor {
  const rng = new Rng(seedFor(`cuda-gradcheck/${name}/${shape.join('x')}`));
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  return kiln.tensor(values, { device: GPU }).reshape(shape).detach().requiresGrad_();
}

const onGpu = (data: kiln.TensorData, dtype: kiln.DType) => kiln.tensor(data, { dtype, device: GPU });

const CASES: Array<[string, () => [(...xs: Tensor[]) => Tensor, Tensor[]]]> = [
  ['add/mul/div with broadcast', () => [(a, b) => a.mul(b).add(a.div(b.add(3))), [leaf('a', [3, 4]), leaf('b', [4])]]],
  ['exp, log, tanh, sigmoid', () => [(x) => x.exp().add(x.tanh()).add(x.sigmoid()).add(x.abs().add(1).log()), [leaf('x', [2, 5])]]],
  ['pow and sqrt', () => [(x) => x.pow(3).add(x.sqrt()), [leaf('x', [6], 0.3, 2)]]],
  ['matmul', () => [(a, b) => a.matmul(b), [leaf('a', [3, 4]), leaf('b', [4, 2])]]],
  ['matmul with transposed operands', () => [(a, b) => a.t().matmul(b.t()), [leaf('a', [4, 3]), leaf('b', [2, 4])]]],
  ['batched matmul', () => [(a, b) => a.matmul(b), [leaf('a', [2, 3, 4]), leaf('b', [2, 4, 3])]]],
  ['sum and mean over dims', () => [(x) => x.sum(1).add(x.mean([0, 2], { keepdim: true }).squeeze()), [leaf('x', [2, 3, 4])]]],
  ['amax', () => [(x) => x.amax(1), [leaf('x', [3, 5])]]],
  ['softmax and logSoftmax', () => [(x) => kiln.softmax(x, 1).mul(kiln.logSoftmax(x, 0)), [leaf('x', [3, 4])]]],
  ['indexSelect and gather', () => [(x) => x.indexSelect(0, onGpu([2, 0, 2], 'int64')).sum().add(x.gather(1, onGpu([[1], [0], [3]], 'int64')).sum()), [leaf('x', [3, 4])]]],
  ['cumsum', () => [(x) => x.cumsum(1), [leaf('x', [2, 4])]]],
  ['where and maximum', () => [(a, b) => kiln.where(a.gt(0), a, b).add(kiln.maximum(a, b.mul(0.5))), [leaf('a', [5]), leaf('b', [5])]]],
  ['cross entropy', () => [(x) => kiln.nn.functional.crossEntropy(x, onGpu([1, 0, 3], 'int64')), [leaf('x', [3, 4])]]],
  ['mse loss', () => [(a, b) => kiln.nn.functional.mseLoss(a, b), [leaf('a', [4, 2]), leaf('b', [4, 2])]]],
  ['linear layer', () => [(x, w, b) => kiln.nn.functional.linear(x, w, b).relu().sum(), [leaf('x', [3, 4]), leaf('w', [2, 4]), leaf('b', [2])]]],
];

describeGpu('gradcheck on CUDA (float64)', () => {
  test.each(CASES)('%s', (_name, make) => {
    const [fn, inputs] = make();
    for (const x of inputs) expect(x.device.toString()).toBe(GPU);
    expect(kiln.autograd.gradcheck(fn, inputs)).toBe(true);
  });
});
