// SPDX-License-Identifier: MIT
// Losses against values derived by hand (each written out as its formula over plain numbers):
// reductions, class weights, ignoreIndex, label smoothing, probability targets, posWeight,
// log clamping, large logits without NaN, and the error cases.
import * as kiln from '../../lib';
import { expectClose, values } from './helpers';

const { nn } = kiln;
const F = nn.functional;
type Tensor = kiln.Tensor;

const f64 = (data: kiln.TensorData) => kiln.tensor(data, { dtype: 'float64' });
const i64 = (data: kiln.TensorData) => kiln.tensor(data, { dtype: 'int64' });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const scalar = (t: Tensor) => {
  expect(t.shape).toEqual([]);
  return t.item() as number;
};

describe('regression losses', () => {
  const input = f64([0, 0.5, -2, 3]);
  const target = f64([0, 0, 0, 0]);

  test('MSELoss and L1Loss with each reduction', () => {
    const x = f64([1, 2, 3]);
    const y = f64([1, 4, 0]);
    expect(scalar(new nn.MSELoss().call(x, y))).toBeCloseTo(13 / 3, 14);
    expect(scalar(F.mseLoss(x, y, { reduction: 'sum' }))).toBe(13);
    expect(values(F.mseLoss(x, y, { reduction: 'none' }))).toEqual([0, 4, 9]);
    expect(scalar(new nn.L1Loss().call(x, y))).toBeCloseTo(5 / 3, 14);
    expect(values(new nn.L1Loss({ reduction: 'none' }).call(x, y))).toEqual([0, 2, 3]);
    // Broadcasting target.
    expect(scalar(F.mseLoss(f64([[1, 2], [3, 4]]), f64([1, 2]), { reduction: 'sum' }))).toBe(8);
  });

  test('SmoothL1Loss: 0.5 d^2 / beta below beta, |d| - beta / 2 above', () => {
    expect(values(F.smoothL1Loss(input, target, { reduction: 'none' }))).toEqual([0, 0.125, 1.5, 2.5]);
    // PyTorch: smooth_l1_loss([0, .5, -2, 3], 0, beta=2) = [0, 0.0625, 1, 2].
    expect(values(new nn.SmoothL1Loss({ beta: 2, reduction: 'none' }).call(input, target))).toEqual([0, 0.0625, 1, 2]);
    expect(scalar(F.smoothL1Loss(input, target))).toBeCloseTo(4.125 / 4, 14);
    expect(values(F.smoothL1Loss(input, target, { beta: 0, reduction: 'none' }))).toEqual([0, 0.5, 2, 3]);
  });

  test('HuberLoss: 0.5 d^2 up to delta, delta (|d| - delta / 2) above', () => {
    expect(values(F.huberLoss(input, target, { reduction: 'none' }))).toEqual([0, 0.125, 1.5, 2.5]);
    // PyTorch: huber_loss([0, .5, -2, 3], 0, delta=2) = [0, 0.125, 2, 4].
    expect(values(new nn.HuberLoss({ delta: 2, reduction: 'none' }).call(input, target))).toEqual([0, 0.125, 2, 4]);
    expect(scalar(new nn.HuberLoss({ delta: 2, reduction: 'sum' }).call(input, target))).toBe(6.125);
    expect(() => F.huberLoss(input, target, { delta: 0 })).toThrow(kiln.KilnError);
  });
});

describe('cross-entropy and NLL', () => {
  const logits = [[1, 2, 3], [1, 1, 1]];
  const x = f64(logits);
  const lse = logits.map((r) => Math.log(sum(r.map(Math.exp))));
  const logp = logits.map((r, i) => r.map((v) => v - lse[i]));
  const w = [1, 2, 3];

  test('class indices, mean / sum / none', () => {
    const t = i64([2, 0]);
    const nll = [-logp[0][2], -logp[1][0]]; // [0.4076..., log 3]
    expect(scalar(new nn.CrossEntropyLoss().call(x, t))).toBeCloseTo((nll[0] + nll[1]) / 2, 14); // PyTorch: 0.7531091266
    expect(scalar(F.crossEntropy(x, t, { reduction: 'sum' }))).toBeCloseTo(nll[0] + nll[1], 14);
    expectClose(F.crossEntropy(x, t, { reduction: 'none' }), nll, [2]);
    // NLL on log-probabilities is the same number.
    expect(scalar(F.nllLoss(F.logSoftmax(x, 1), t))).toBeCloseTo((nll[0] + nll[1]) / 2, 14);
    expect(scalar(F.crossEntropy(f64([[2, 0, 0]]), i64([0])))).toBeCloseTo(Math.log(1 + 2 * Math.exp(-2)), 14);
  });

  test('class weights: mean divides by the summed target weights', () => {
    const t = i64([2, 0]);
    const wl = [w[2] * -logp[0][2], w[0] * -logp[1][0]];
    const ce = new nn.CrossEntropyLoss({ weight: f64(w) });
    expect(scalar(ce.call(x, t))).toBeCloseTo((wl[0] + wl[1]) / (w[2] + w[0]), 14); // PyTorch: 0.5803575455
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
    expectClose(F.nllLoss(F.logSoftmax(x, 1), t, { weight: f64(w), reduction: 'none' }), wl, [2]);
  });

  test('ignoreIndex: no loss and no share of the mean; all ignored gives NaN', () => {
    expectClose(F.crossEntropy(x, i64([2, -100]), { reduction: 'none' }), [-logp[0][2], 0], [2]);
    expect(scalar(F.crossEntropy(x, i64([2, -100])))).toBeCloseTo(-logp[0][2], 14);
    expect(scalar(F.crossEntropy(x, i64([2, 1]), { ignoreIndex: 1, weight: f64(w) }))).toBeCloseTo(-logp[0][2], 14);
    expect(Number.isNaN(scalar(F.crossEntropy(x, i64([-100, -100]))))).toBe(true);
    expect(scalar(F.crossEntropy(x, i64([-100, -100]), { reduction: 'sum' }))).toBe(0);
  });

  test('label smoothing: (1 - s) nll + s / C * sum_c -w_c logp_c, normalized like the nll', () => {
    const s = 0.1;
    const t = i64([2, 0]);
    const uniform = logp.map((r) => sum(r.map((v) => -v)));
    const plain = ((1 - s) * (-logp[0][2] - logp[1][0]) + (s / 3) * (uniform[0] + uniform[1])) / 2;
    expect(scalar(F.crossEntropy(x, t, { labelSmoothing: s }))).toBeCloseTo(plain, 14); // PyTorch: 0.8031091266
    const wu = logp.map((r) => sum(r.map((v, c) => -w[c] * v)));
    const weighted = ((1 - s) * (w[2] * -logp[0][2] + w[0] * -logp[1][0]) + (s / 3) * (wu[0] + wu[1])) / (w[2] + w[0]);
    expect(scalar(new nn.CrossEntropyLoss({ labelSmoothing: s, weight: f64(w) }).call(x, t))).toBeCloseTo(weighted, 14); // 0.6309660369
    // With an ignored target (PyTorch: none -> [1.3153906302, 0], mean -> 0.4384635434).
    const row0 = (1 - s) * w[2] * -logp[0][2] + (s / 3) * wu[0];
    const opts = { labelSmoothing: s, weight: f64(w) };
    expectClose(F.crossEntropy(x, i64([2, -100]), { ...opts, reduction: 'none' }), [row0, 0], [2]);
    expect(scalar(F.crossEntropy(x, i64([2, -100]), opts))).toBeCloseTo(row0 / w[2], 14);
    expect(row0).toBeCloseTo(1.3153906302, 9);
  });

  test('probability targets, with weights and smoothing; mean divides by the batch size', () => {
    const p = [[0.2, 0.3, 0.5], [1, 0, 0]];
    const rows = logp.map((r, i) => sum(r.map((v, c) => -p[i][c] * v)));
    expect(scalar(F.crossEntropy(x, f64(p)))).toBeCloseTo((rows[0] + rows[1]) / 2, 14); // PyTorch: 1.1031091266
    const s = 0.2;
    const soft = p.map((r) => r.map((v) => v * (1 - s) + s / 3));
    const wrows = logp.map((r, i) => sum(r.map((v, c) => -w[c] * soft[i][c] * v)));
    expect(scalar(F.crossEntropy(x, f64(p), { weight: f64(w), labelSmoothing: s }))).toBeCloseTo((wrows[0] + wrows[1]) / 2, 14); // 1.6490193867
    expect(() => F.crossEntropy(x, f64([[1, 0, 0]]))).toThrow(kiln.ShapeError);
  });

  test('spatial [N, C, d] input equals the flattened [N*d, C] problem', () => {
    const inp = kiln.randn([2, 3, 4], { dtype: 'float64' });
    const tgt = i64([[0, 1, 2, -100], [2, 2, 1, 0]]);
    const flat = inp.permute(0, 2, 1).reshape([8, 3]);
    const flatT = tgt.reshape([8]);
    for (const reduction of ['mean', 'sum'] as const) {
      const opts = { weight: f64(w), labelSmoothing: 0.05, reduction };
      expect(scalar(F.crossEntropy(inp, tgt, opts))).toBeCloseTo(scalar(F.crossEntropy(flat, flatT, opts)), 12);
    }
    const none = F.crossEntropy(inp, tgt, { reduction: 'none' });
    expect(none.shape).toEqual([2, 4]);
    expectClose(none.reshape([8]), values(F.crossEntropy(flat, flatT, { reduction: 'none' })), [8]);
  });

  test('unbatched [C] input with a 0-d target', () => {
    const y = F.crossEntropy(f64([1, 2, 3]), i64(2), { reduction: 'none' });
    expect(y.shape).toEqual([]);
    expect(y.item()).toBeCloseTo(-logp[0][2], 14);
    expect(scalar(F.crossEntropy(f64([1, 2, 3]), i64(2)))).toBeCloseTo(-logp[0][2], 14);
  });

  test('large logits give exact, finite losses (float32)', () => {
    const big = kiln.tensor([[1e4, 0, -1e4], [-1e4, -1e4, -1e4]]);
    expect(values(F.crossEntropy(big, i64([0, 1]), { reduction: 'none' })).map((v) => v + 0)).toEqual([0, Math.fround(Math.log(3))]);
    expect(scalar(F.crossEntropy(big.index(0).unsqueeze(0), i64([2])))).toBe(2e4); // PyTorch: 20000.
    expect(Number.isFinite(scalar(F.crossEntropy(big.mul(1e30), i64([1, 0]), { labelSmoothing: 0.1 })))).toBe(true);
    expect(Number.isFinite(scalar(F.crossEntropy(big, i64([0, 2]), { labelSmoothing: 0.3, weight: kiln.tensor([1, 2, 3]) })))).toBe(true);
    expect(Number.isFinite(scalar(F.crossEntropy(big, kiln.tensor([[0, 0, 1], [0.5, 0.5, 0]]))))).toBe(true);
  });

  test('bad targets', () => {
    expect(() => F.crossEntropy(x, i64([3, 0]))).toThrow(kiln.IndexError);
    expect(() => F.crossEntropy(x, i64([-1, 0]))).toThrow(kiln.IndexError);
    expect(() => F.crossEntropy(x, i64([0]))).toThrow('expected input batch_size (2) to match target batch_size (1)');
    expect(() => F.nllLoss(x, kiln.tensor([0, 1], { dtype: 'bool' }))).toThrow(kiln.DTypeError);
    expect(() => F.crossEntropy(x, i64([0, 1]), { weight: f64([1, 2]) })).toThrow(kiln.ShapeError);
    expect(() => F.crossEntropy(x, i64([0, 1]), { reduction: 'avg' as 'mean' })).toThrow(kiln.KilnError);
    expect(() => new nn.CrossEntropyLoss({ reduction: 'avg' as 'mean' })).toThrow(kiln.KilnError);
    expect(() => F.crossEntropy(x, i64([0, 1]), { labelSmoothing: 1.5 })).toThrow(kiln.KilnError);
  });
});

describe('binary cross-entropy', () => {
  test('BCELoss clamps each log at -100', () => {
    const p = [0.2, 0.9, 0, 1, 0];
    const y = [0, 1, 0, 1, 1];
    const loss = F.binaryCrossEntropy(f64(p), f64(y), { reduction: 'none' });
    // PyTorch: [0.2231435329, 0.1053605452, 0, 0, 100].
    expectClose(loss, [-Math.log(0.8), -Math.log(0.9), 0, 0, 100], [5]);
    expect(scalar(new nn.BCELoss({ weight: f64([1, 2, 1, 1, 0]) }).call(f64(p), f64(y)))).toBeCloseTo((-Math.log(0.8) - 2 * Math.log(0.9)) / 5, 14);
    expect(() => F.binaryCrossEntropy(f64([1.5]), f64([1]))).toThrow('binaryCrossEntropy: all elements of input should be between 0 and 1');
    expect(() => F.binaryCrossEntropy(f64([0.5, 0.5]), f64([[1, 1]]))).toThrow(kiln.ShapeError);
  });

  test('BCEWithLogitsLoss: stable for huge logits, with posWeight and weight', () => {
    const xs = [-2, 0, 3, 1e4, -1e4];
    const ys = [0, 1, 1, 0, 1];
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const plain = xs.map((v, i) => (1 - ys[i]) * v + softplus(-v));
    for (const dtype of ['float32', 'float64'] as const) {
      const loss = F.binaryCrossEntropyWithLogits(kiln.tensor(xs, { dtype }), kiln.tensor(ys, { dtype }), { reduction: 'none' });
      expectClose(loss, plain, [5], { rtol: dtype === 'float32' ? 1e-6 : 1e-14 });
    }
    // PyTorch: [0.1269, 0.6931, 0.0486, 10000., 10000.]; pos_weight 3 -> [0.1269, 2.0794, 0.1458, 10000., 30000.].
    const pw = xs.map((v, i) => (1 - ys[i]) * v + (1 + 2 * ys[i]) * softplus(-v));
    expectClose(new nn.BCEWithLogitsLoss({ posWeight: f64([3]), reduction: 'none' }).call(f64(xs), f64(ys)), pw, [5], { rtol: 1e-14 });
    const wts = [1, 0.5, 2, 0, 1];
    expect(scalar(new nn.BCEWithLogitsLoss({ weight: f64(wts) }).call(f64(xs), f64(ys)))).toBeCloseTo(sum(plain.map((v, i) => v * wts[i])) / 5, 10);
    // A tiny loss keeps its relative precision (no cancellation in the tail).
    const tiny = scalar(F.binaryCrossEntropyWithLogits(f64([-30]), f64([0])));
    expect(Math.abs(tiny / Math.log1p(Math.exp(-30)) - 1)).toBeLessThan(1e-12);
    expect(() => F.binaryCrossEntropyWithLogits(f64([0.5, 0.5]), f64([1]))).toThrow(kiln.ShapeError);
  });

  test('the gradient is sigmoid(x) - y everywhere, at x = 0 too', () => {
    const xv = [-40, -3, -1e-9, 0, 1e-9, 2, 40];
    const yv = [0, 1, 0.5, 1, 0, 0.3, 1];
    const x = f64(xv).requiresGrad_();
    F.binaryCrossEntropyWithLogits(x, f64(yv), { reduction: 'sum' }).backward();
    expectClose(x.grad!, xv.map((v, i) => 1 / (1 + Math.exp(-v)) - yv[i]), [7], { atol: 1e-15 });
    const z = f64([0, 0]).requiresGrad_();
    F.binaryCrossEntropyWithLogits(z, f64([1, 0]), { posWeight: f64([3, 3]), reduction: 'sum' }).backward();
    // d/dx [(1 - y) x + (1 + 2y) softplus(-x)] at 0: (1 - y) - (1 + 2y) / 2.
    expectClose(z.grad!, [-1.5, 0.5], [2]);
  });
});

describe('KL divergence', () => {
  const q = [[0.25, 0.75], [0.5, 0.5]];
  const p = [[0.5, 0.5], [0, 1]];
  const input = f64(q.map((r) => r.map(Math.log)));
  const kl = p.map((r, i) => sum(r.map((v, c) => (v === 0 ? 0 : v * (Math.log(v) - Math.log(q[i][c]))))));

  test('reductions, 0 log 0 = 0, and log targets', () => {
    expect(scalar(new nn.KLDivLoss({ reduction: 'batchmean' }).call(input, f64(p)))).toBeCloseTo((kl[0] + kl[1]) / 2, 14); // PyTorch: 0.4184941053
    expect(scalar(F.klDiv(input, f64(p), { reduction: 'sum' }))).toBeCloseTo(kl[0] + kl[1], 14);
    expect(scalar(F.klDiv(input, f64(p)))).toBeCloseTo((kl[0] + kl[1]) / 4, 14);
    const none = F.klDiv(input, f64(p), { reduction: 'none' });
    expect(values(none)[2]).toBe(0);
    const logP = f64([[Math.log(0.5), Math.log(0.5)], [Math.log(0.3), Math.log(0.7)]]);
    const expected = (0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75) + 0.3 * Math.log(0.3 / 0.5) + 0.7 * Math.log(0.7 / 0.5)) / 2;
    expect(scalar(new nn.KLDivLoss({ reduction: 'batchmean', logTarget: true }).call(input, logP))).toBeCloseTo(expected, 14);
    expect(() => new nn.KLDivLoss({ reduction: 'avg' as 'mean' })).toThrow(kiln.KilnError);
  });
});
