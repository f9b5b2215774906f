// SPDX-License-Identifier: MIT
// Gradients of every layer and loss, checked with kiln.autograd.gradcheck in float64 against
// finite differences: with respect to the inputs and to the parameters (a module's parameters
// are passed to gradcheck as inputs, so it perturbs them in place). nn has no backward
// formulas of its own, so these check that the compositions record the right graph.
import * as kiln from '../../lib';
import { randn64 } from './helpers';

const { nn } = kiln;
const F = nn.functional;
type Tensor = kiln.Tensor;
type Mod = kiln.nn.Module & { forward(...args: Tensor[]): Tensor };

const gradcheck = (fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]) => kiln.autograd.gradcheck(fn, inputs);

/** gradcheck of a module's forward, over its inputs and all its parameters. */
function checkModule(m: Mod, inputs: Tensor[]): void {
  const n = inputs.length;
  expect(gradcheck((...xs) => m.call(...xs.slice(0, n)), [...inputs, ...m.parameters()])).toBe(true);
}

/** A float64 input that requires grad, with values kept |x| >= margin away from 0 (kinks). */
function away(shape: number[], seed: number, margin = 0.1): Tensor {
  const t = randn64(shape, seed);
  return kiln.noGrad(() => t.add(t.sign().mul(margin))).requiresGrad_();
}

const i64 = (data: kiln.TensorData) => kiln.tensor(data, { dtype: 'int64' });

describe('layers', () => {
  test('Linear on 2-d and 3-d input, with and without bias', () => {
    checkModule(new nn.Linear(3, 2, { dtype: 'float64' }), [randn64([4, 3], 1, { requiresGrad: true })]);
    checkModule(new nn.Linear(3, 2, { dtype: 'float64', bias: false }), [randn64([2, 2, 3], 2, { requiresGrad: true })]);
  });

  test('Bilinear', () => {
    checkModule(new nn.Bilinear(2, 3, 2, { dtype: 'float64' }), [randn64([3, 2], 1, { requiresGrad: true }), randn64([3, 3], 2, { requiresGrad: true })]);
  });

  test('Embedding, with a padding index', () => {
    const emb = new nn.Embedding(5, 3, { dtype: 'float64', paddingIdx: 2 });
    const r = randn64([2, 3, 3], 3);
    // Rows other than the padding one (repeated rows accumulate).
    expect(gradcheck(() => emb.call(i64([[0, 3, 4], [4, 4, 1]])).mul(r).sum(), [emb.weight])).toBe(true);
    // The padding row is read but, by design (as PyTorch), gets no gradient.
    emb.call(i64([[0, 2, 4], [2, 4, 1]])).mul(r).sum().backward();
    expect(emb.weight.grad!.index(2).toArray()).toEqual([0, 0, 0]);
    expect(emb.weight.grad!.index(0).toArray()).toEqual(r.index(0, 0).toArray());
  });

  test('LayerNorm with affine parameters', () => {
    const ln = new nn.LayerNorm([2, 3], { dtype: 'float64' });
    kiln.nn.init.normal_(ln.weight!);
    kiln.nn.init.normal_(ln.bias!);
    checkModule(ln, [randn64([2, 2, 3], 4, { requiresGrad: true })]);
  });

  test('BatchNorm1d in training (2-d and 3-d input) and in eval', () => {
    const bn = new nn.BatchNorm1d(3, { dtype: 'float64' });
    kiln.nn.init.normal_(bn.weight!);
    checkModule(bn, [randn64([4, 3], 5, { requiresGrad: true })]);
    checkModule(bn, [randn64([2, 3, 3], 6, { requiresGrad: true })]);
    bn.eval();
    checkModule(bn, [randn64([2, 3], 7, { requiresGrad: true })]);
  });

  test.each<[string, () => Mod]>([
    ['ReLU', () => new nn.ReLU()],
    ['LeakyReLU', () => new nn.LeakyReLU(0.2)],
    ['GELU', () => new nn.GELU()],
    ['GELU tanh', () => new nn.GELU({ approximate: 'tanh' })],
    ['SiLU', () => new nn.SiLU()],
    ['ELU', () => new nn.ELU(0.7)],
    ['Sigmoid', () => new nn.Sigmoid()],
    ['Tanh', () => new nn.Tanh()],
    ['Softmax', () => new nn.Softmax(1)],
    ['LogSoftmax', () => new nn.LogSoftmax(0)],
    ['Flatten', () => new nn.Flatten()],
    ['Unflatten', () => new nn.Unflatten(1, [2, 2])],
    ['Identity', () => new nn.Identity()],
  ])('%s', (_name, make) => {
    checkModule(make(), [away([3, 4], 8)]);
  });

  test('Dropout (the same mask on every evaluation)', () => {
    const x = randn64([20], 9, { requiresGrad: true });
    expect(gradcheck((t) => F.dropout(t, 0.3, true, new kiln.Generator(3)), [x])).toBe(true);
  });

  test('Sequential MLP', () => {
    const net = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.LayerNorm(4), new nn.Linear(4, 2)).double();
    checkModule(net, [randn64([5, 3], 10, { requiresGrad: true })]);
  });
});

describe('losses', () => {
  const x = randn64([4, 3], 11, { requiresGrad: true });
  const t = i64([2, 0, -100, 1]);
  const w = kiln.tensor([0.5, 2, 1], { dtype: 'float64' });

  test.each<[string, (a: Tensor, b: Tensor) => Tensor, Tensor, Tensor]>([
    ['mseLoss', (a, b) => F.mseLoss(a, b), randn64([3, 2], 1, { requiresGrad: true }), randn64([3, 2], 2, { requiresGrad: true })],
    ['l1Loss', (a, b) => F.l1Loss(a, b, { reduction: 'sum' }), away([5], 3, 0.2), kiln.zeros([5], { dtype: 'float64' })],
    ['smoothL1Loss', (a, b) => F.smoothL1Loss(a, b, { beta: 0.5 }), kiln.tensor([-2, -0.3, 0.1, 0.4, 1.5], { dtype: 'float64', requiresGrad: true }), kiln.zeros([5], { dtype: 'float64' })],
    ['huberLoss', (a, b) => F.huberLoss(a, b, { delta: 0.5, reduction: 'none' }), kiln.tensor([-2, -0.3, 0.1, 0.4, 1.5], { dtype: 'float64', requiresGrad: true }), kiln.zeros([5], { dtype: 'float64' })],
    ['binaryCrossEntropy', (a, b) => F.binaryCrossEntropy(a, b), kiln.tensor([0.1, 0.5, 0.8], { dtype: 'float64', requiresGrad: true }), kiln.tensor([0, 1, 0.3], { dtype: 'float64', requiresGrad: true })],
    ['binaryCrossEntropyWithLogits', (a, b) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: kiln.tensor([2, 0.5, 1], { dtype: 'float64' }), weight: kiln.tensor([1, 3, 0.5], { dtype: 'float64' }) }), randn64([2, 3], 4, { requiresGrad: true }), kiln.tensor([[0, 1, 0.3], [1, 1, 0]], { dtype: 'float64', requiresGrad: true })],
    ['klDiv', (a, b) => F.klDiv(a.logSoftmax(1), b.softmax(1), { reduction: 'batchmean' }), randn64([2, 3], 5, { requiresGrad: true }), randn64([2, 3], 6, { requiresGrad: true })],
    ['klDiv logTarget', (a, b) => F.klDiv(a.logSoftmax(1), b.logSoftmax(1), { reduction: 'sum', logTarget: true }), randn64([2, 3], 7, { requiresGrad: true }), randn64([2, 3], 8, { requiresGrad: true })],
  ])('%s', (_name, fn, a, b) => {
    expect(gradcheck(fn, [a, b])).toBe(true);
  });

  test.each([
    ['mean', {}],
    ['weighted sum', { weight: w, reduction: 'sum' as const }],
    ['label smoothing with weights', { weight: w, labelSmoothing: 0.2 }],
    ['none', { reduction: 'none' as const, labelSmoothing: 0.1 }],
  ])('crossEntropy with class indices: %s', (_name, opts) => {
    expect(gradcheck((a) => F.crossEntropy(a, t, opts), [x])).toBe(true);
  });

  test('crossEntropy with probability targets (gradient for both)', () => {
    const p = randn64([4, 3], 12, { requiresGrad: true });
    expect(gradcheck((a, b) => F.crossEntropy(a, b.softmax(1), { weight: w, labelSmoothing: 0.1 }), [x, p])).toBe(true);
  });

  test('crossEntropy on [N, C, d] input and nllLoss', () => {
    const x3 = randn64([2, 3, 2], 13, { requiresGrad: true });
    expect(gradcheck((a) => F.crossEntropy(a, i64([[0, 2], [-100, 1]]), { weight: w }), [x3])).toBe(true);
    expect(gradcheck((a) => F.nllLoss(a, t, { weight: w }), [x])).toBe(true);
  });

  test('loss modules backpropagate into a model', () => {
    const fc = new nn.Linear(3, 3).double();
    new nn.CrossEntropyLoss().call(fc.call(randn64([4, 3], 14)), i64([0, 1, 2, 1])).backward();
    expect(fc.weight.grad!.shape).toEqual([3, 3]);
    expect(fc.bias!.grad!.shape).toEqual([3]);
  });
});
