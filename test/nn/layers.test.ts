// SPDX-License-Identifier: MIT
// Forward passes of every layer against plain-TypeScript float64 references (loops over flat
// arrays, independent of kiln), plus Dropout statistics and BatchNorm running statistics
// worked out by hand.
import * as kiln from '../../lib';
import { erf } from '../ops/op-db';
import { expectClose, randn64, range, values } from './helpers';

const { nn } = kiln;
const F = nn.functional;
type Tensor = kiln.Tensor;

describe('Linear, Bilinear, Identity, Flatten, Unflatten', () => {
  /** y[r][o] = sum_k x[r][k] w[o][k] + b[o] over the rows of x. */
  function linearRef(x: number[], w: number[], b: number[] | null, inF: number, outF: number): number[] {
    const rows = x.length / inF;
    return range(rows * outF).map((j) => {
      const r = Math.floor(j / outF);
      const o = j % outF;
      let s = b ? b[o] : 0;
      for (let k = 0; k < inF; k++) s += x[r * inF + k] * w[o * inF + k];
      return s;
    });
  }

  test('Linear on 2-d, 3-d and 1-d input, with and without bias', () => {
    const fc = new nn.Linear(4, 3, { dtype: 'float64' });
    const w = values(fc.weight);
    const b = values(fc.bias!);
    for (const shape of [[5, 4], [2, 3, 4], [4]]) {
      const x = randn64(shape, 1);
      expectClose(fc.call(x), linearRef(values(x), w, b, 4, 3), [...shape.slice(0, -1), 3]);
    }
    const nb = new nn.Linear(4, 2, { bias: false, dtype: 'float64' });
    expect(nb.bias).toBeNull();
    const x = randn64([3, 4], 2);
    expectClose(nb.call(x), linearRef(values(x), values(nb.weight), null, 4, 2), [3, 2]);
    expect(() => fc.call(randn64([2, 5], 3))).toThrow(kiln.ShapeError);
  });

  test('Linear with hand-set weights', () => {
    const fc = new nn.Linear(2, 2);
    fc.loadStateDict({ weight: kiln.tensor([[1, 2], [3, 4]]), bias: kiln.tensor([0.5, -1]) });
    expect(fc.call(kiln.tensor([[1, 1], [2, 0]])).toArray()).toEqual([[3.5, 6], [2.5, 5]]);
  });

  test('Bilinear against a triple loop, with leading dims', () => {
    const bl = new nn.Bilinear(2, 3, 4, { dtype: 'float64' });
    const W = values(bl.weight);
    const B = values(bl.bias!);
    const x1 = randn64([2, 5, 2], 3);
    const x2 = randn64([2, 5, 3], 4);
    const a = values(x1);
    const c = values(x2);
    const expected = range(10 * 4).map((j) => {
      const n = Math.floor(j / 4);
      const o = j % 4;
      let s = B[o];
      for (let i = 0; i < 2; i++) for (let k = 0; k < 3; k++) s += a[n * 2 + i] * W[(o * 2 + i) * 3 + k] * c[n * 3 + k];
      return s;
    });
    expectClose(bl.call(x1, x2), expected, [2, 5, 4]);
    expect(() => bl.call(randn64([5, 2], 1), randn64([4, 3], 1))).toThrow(kiln.ShapeError);
  });

  test('Identity, Flatten and Unflatten', () => {
    const x = kiln.arange(24, { dtype: 'float32' }).reshape([2, 3, 4]);
    expect(new nn.Identity().call(x)).toBe(x);
    const f = new nn.Flatten().call(x);
    expect(f.shape).toEqual([2, 12]);
    expect(values(f)).toEqual(range(24));
    expect(new nn.Flatten(0, 1).call(x).shape).toEqual([6, 4]);
    const u = new nn.Unflatten(1, [2, -1]).call(f);
    expect(u.shape).toEqual([2, 2, 6]);
    expect(values(u)).toEqual(range(24));
  });
});

describe('activations', () => {
  const x = kiln.tensor([-30, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 3, 30], { dtype: 'float64' });
  const xs = values(x);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const cases: Array<[string, kiln.nn.Module & { forward(t: Tensor): Tensor }, (v: number) => number]> = [
    ['ReLU', new nn.ReLU(), (v) => Math.max(v, 0)],
    ['LeakyReLU', new nn.LeakyReLU(), (v) => (v > 0 ? v : 0.01 * v)],
    ['LeakyReLU(0.2)', new nn.LeakyReLU(0.2), (v) => (v > 0 ? v : 0.2 * v)],
    ['GELU', new nn.GELU(), (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
    ['GELU tanh', new nn.GELU({ approximate: 'tanh' }), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
    ['SiLU', new nn.SiLU(), (v) => v * sig(v)],
    ['ELU', new nn.ELU(), (v) => (v > 0 ? v : Math.expm1(v))],
    ['ELU(0.5)', new nn.ELU(0.5), (v) => (v > 0 ? v : 0.5 * Math.expm1(v))],
    ['Sigmoid', new nn.Sigmoid(), sig],
    ['Tanh', new nn.Tanh(), Math.tanh],
  ];
  test.each(cases)('%s', (_name, layer, f) => {
    expectClose(layer.call(x), xs.map(f), [xs.length], { atol: 1e-14, rtol: 1e-12 });
  });

  test('functional re-exports: flatten, unflatten, oneHot, softplus', () => {
    expect(F.flatten(kiln.zeros([2, 3, 4]), 1).shape).toEqual([2, 12]);
    expect(F.unflatten(kiln.zeros([2, 12]), 1, [3, 4]).shape).toEqual([2, 3, 4]);
    expect(F.oneHot(kiln.tensor([2, 0], { dtype: 'int64' }), 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expectClose(F.softplus(x), xs.map((v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))), [xs.length], { atol: 1e-14, rtol: 1e-12 });
  });

  test('functional forms match the modules', () => {
    expect(values(F.relu(x))).toEqual(values(new nn.ReLU().call(x)));
    expect(values(F.leakyRelu(x, 0.3))).toEqual(values(new nn.LeakyReLU(0.3).call(x)));
    expect(values(F.gelu(x, { approximate: 'tanh' }))).toEqual(values(new nn.GELU({ approximate: 'tanh' }).call(x)));
    expect(values(F.elu(x, 2))).toEqual(values(new nn.ELU(2).call(x)));
    expect(values(F.silu(x))).toEqual(values(new nn.SiLU().call(x)));
  });

  /** softmax along `dim` of a [2, 3, 4] array, in float64 with the max subtracted. */
  function softmaxRef(flat: number[], shape: number[], dim: number, log: boolean): number[] {
    const strides = [shape[1] * shape[2], shape[2], 1];
    const out = new Array<number>(flat.length);
    for (let i = 0; i < flat.length; i++) {
      const idx = [Math.floor(i / strides[0]), Math.floor(i / strides[1]) % shape[1], i % shape[2]];
      const line = range(shape[dim]).map((k) => flat[i + (k - idx[dim]) * strides[dim]]);
      const m = Math.max(...line);
      const lse = m + Math.log(line.reduce((s, v) => s + Math.exp(v - m), 0));
      out[i] = log ? flat[i] - lse : Math.exp(flat[i] - lse);
    }
    return out;
  }

  test.each([0, 1, 2, -1])('Softmax and LogSoftmax along dim %d', (dim) => {
    const t = randn64([2, 3, 4], 7).mul(5);
    const d = dim < 0 ? dim + 3 : dim;
    expectClose(new nn.Softmax(dim).call(t), softmaxRef(values(t), [2, 3, 4], d, false), [2, 3, 4]);
    expectClose(new nn.LogSoftmax(dim).call(t), softmaxRef(values(t), [2, 3, 4], d, true), [2, 3, 4]);
  });

  test('softmax of huge logits stays finite', () => {
    const t = kiln.tensor([[1e4, 0, -1e4], [-1e4, -1e4, -1e4]]);
    expect(values(new nn.Softmax(1).call(t))).toEqual([1, 0, 0, 1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    expect(values(new nn.LogSoftmax(1).call(t)).slice(0, 3)).toEqual([0, -1e4, -2e4]);
  });
});

describe('Dropout', () => {
  test('zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    const n = 200_000;
    const p = 0.3;
    const y = new nn.Dropout(p, { generator: new kiln.Generator(123) }).call(kiln.ones([n]));
    const v = values(y);
    const zeros = v.filter((e) => e === 0).length;
    // Binomial(n, p): 4.5 standard deviations either side.
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(zeros - n * p)).toBeLessThan(4.5 * sd);
    const scale = Math.fround(1 / (1 - p));
    expect(v.every((e) => e === 0 || e === scale)).toBe(true);
    // The mean stays near 1 (expected value preserved).
    expect(Math.abs(v.reduce((a, b) => a + b, 0) / n - 1)).toBeLessThan(0.01);
  });

  test('identity in eval mode and for p = 0; zeros for p = 1', () => {
    const x = kiln.randn([10]);
    const d = new nn.Dropout(0.5);
    expect(d.eval().call(x)).toBe(x);
    expect(new nn.Dropout(0).call(x)).toBe(x);
    expect(values(new nn.Dropout(1).call(x)).every((e) => e === 0)).toBe(true);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(() => new nn.Dropout(1.5)).toThrow(kiln.KilnError);
    expect(() => F.dropout(x, -0.1)).toThrow(kiln.KilnError);
  });

  test('a seeded generator gives the same mask; masks differ between calls', () => {
    const x = kiln.ones([64]);
    const a = values(new nn.Dropout(0.5, { generator: new kiln.Generator(5) }).call(x));
    const b = values(new nn.Dropout(0.5, { generator: new kiln.Generator(5) }).call(x));
    expect(a).toEqual(b);
    const d = new nn.Dropout(0.5, { generator: new kiln.Generator(5) });
    expect(values(d.call(x))).not.toEqual(values(d.call(x)));
  });

  test('the gradient is the same mask, scaled', () => {
    const x = kiln.ones([1000], { requiresGrad: true });
    const y = F.dropout(x, 0.25, true, new kiln.Generator(9));
    y.sum().backward();
    expect(values(x.grad!)).toEqual(values(y));
  });
});

describe('Embedding', () => {
  test('looks up rows for any index shape', () => {
    const emb = new nn.Embedding(5, 3, { dtype: 'float64' });
    const w = values(emb.weight);
    const idx = kiln.tensor([[4, 0], [2, 2]], { dtype: 'int64' });
    const expected = [4, 0, 2, 2].flatMap((i) => w.slice(i * 3, i * 3 + 3));
    expectClose(emb.call(idx), expected, [2, 2, 3], { atol: 0, rtol: 0 });
    expectClose(F.embedding(kiln.tensor([1], { dtype: 'int32' }), emb.weight), w.slice(3, 6), [1, 3], { atol: 0, rtol: 0 });
    expect(() => emb.call(kiln.tensor([1.5]))).toThrow(kiln.DTypeError);
    expect(() => emb.call(kiln.tensor([5], { dtype: 'int64' }))).toThrow(kiln.KilnError);
  });

  test('the padding row starts at zero and gets no gradient', () => {
    const emb = new nn.Embedding(4, 2, { paddingIdx: 1 });
    expect(values(emb.weight.index(1))).toEqual([0, 0]);
    // A padding row set to non-zero values is still returned as stored.
    kiln.noGrad(() => emb.weight.index(1).fill_(7));
    const idx = kiln.tensor([1, 3, 1, 3, 0], { dtype: 'int64' });
    const y = emb.call(idx);
    expect(values(y.index(0))).toEqual([7, 7]);
    y.sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[1, 1], [0, 0], [0, 0], [2, 2]]);
  });

  test('paddingIdx is checked and stored non-negative', () => {
    expect(new nn.Embedding(4, 2, { paddingIdx: -1 }).paddingIdx).toBe(3);
    expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow(kiln.KilnError);
    expect(() => new nn.Embedding(4, 2, { paddingIdx: -5 })).toThrow(kiln.KilnError);
  });

  test('fromPretrained shares the weights and freezes them by default', () => {
    const w = kiln.tensor([[1, 2], [3, 4]]);
    const e = nn.Embedding.fromPretrained(w);
    expect(e.weight.storage).toBe(w.storage);
    expect(e.weight.requiresGrad).toBe(false);
    expect(e.numParameters({ trainableOnly: true })).toBe(0);
    expect(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
    expect(e.call(kiln.tensor([1], { dtype: 'int64' })).toArray()).toEqual([[3, 4]]);
  });
});

describe('LayerNorm', () => {
  /** Normalizes consecutive groups of `n` values (biased variance), then weight/bias per position. */
  function layerNormRef(x: number[], n: number, w: number[] | null, b: number[] | null, eps: number): number[] {
    const out: number[] = [];
    for (let g = 0; g < x.length; g += n) {
      const row = x.slice(g, g + n);
      const mean = row.reduce((a, c) => a + c, 0) / n;
      const v = row.reduce((a, c) => a + (c - mean) ** 2, 0) / n;
      row.forEach((c, i) => out.push(((c - mean) / Math.sqrt(v + eps)) * (w ? w[i] : 1) + (b ? b[i] : 0)));
    }
    return out;
  }

  test('over the last dim with a learned affine', () => {
    const ln = new nn.LayerNorm(5, { dtype: 'float64' });
    expect(values(ln.weight!)).toEqual([1, 1, 1, 1, 1]);
    expect(values(ln.bias!)).toEqual([0, 0, 0, 0, 0]);
    kiln.nn.init.normal_(ln.weight!, 0, 1, { generator: new kiln.Generator(1) });
    kiln.nn.init.normal_(ln.bias!, 0, 1, { generator: new kiln.Generator(2) });
    const x = randn64([3, 4, 5], 3).mul(3).add(2);
    expectClose(ln.call(x), layerNormRef(values(x), 5, values(ln.weight!), values(ln.bias!), 1e-5), [3, 4, 5]);
  });

  test('over two trailing dims, without affine, with a custom eps', () => {
    const ln = new nn.LayerNorm([2, 3], { elementwiseAffine: false, eps: 0.1 });
    expect(ln.parameters()).toEqual([]);
    const x = randn64([4, 2, 3], 4);
    expectClose(ln.call(x), layerNormRef(values(x), 6, null, null, 0.1), [4, 2, 3]);
    expect(() => ln.call(randn64([4, 3, 2], 1))).toThrow(kiln.ShapeError);
  });

  test('hand-worked row', () => {
    // [1, 2, 3]: mean 2, biased variance 2/3.
    const y = F.layerNorm(kiln.tensor([[1, 2, 3]], { dtype: 'float64' }), [3], { eps: 0 });
    const s = Math.sqrt(2 / 3);
    expectClose(y, [-1 / s, 0, 1 / s], [1, 3]);
  });
});

describe('BatchNorm1d', () => {
  test('one training step by hand', () => {
    const bn = new nn.BatchNorm1d(2, { dtype: 'float64' });
    // Channel means [2, 4], biased variances [1, 4], unbiased [2, 8].
    const y = bn.call(kiln.tensor([[1, 2], [3, 6]], { dtype: 'float64' }));
    const e = 1e-5;
    expectClose(y, [-1 / Math.sqrt(1 + e), -2 / Math.sqrt(4 + e), 1 / Math.sqrt(1 + e), 2 / Math.sqrt(4 + e)], [2, 2]);
    expectClose(bn.running_mean!, [0.2, 0.4], [2]);
    expectClose(bn.running_var!, [0.9 + 0.2, 0.9 + 0.8], [2]);
    expect(bn.num_batches_tracked!.item()).toBe(1);
    expect(bn.runningMean).toBe(bn.running_mean);
  });

  /** Per-channel mean and biased / unbiased variance of [N, C] or [N, C, L] data. */
  function channelStats(x: number[], N: number, C: number, L: number) {
    return range(C).map((c) => {
      const vals: number[] = [];
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) vals.push(x[(n * C + c) * L + l]);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const ss = vals.reduce((a, b) => a + (b - mean) ** 2, 0);
      return { mean, biased: ss / vals.length, unbiased: ss / (vals.length - 1) };
    });
  }

  test.each([
    ['2-d', [6, 3]],
    ['3-d', [4, 3, 5]],
  ])('%s input: forward, running statistics over three steps, then eval', (_n, shape) => {
    const [N, C, L = 1] = shape;
    const bn = new nn.BatchNorm1d(C, { dtype: 'float64', momentum: 0.2 });
    kiln.nn.init.uniform_(bn.weight!, 0.5, 2, { generator: new kiln.Generator(1) });
    kiln.nn.init.uniform_(bn.bias!, -1, 1, { generator: new kiln.Generator(2) });
    const w = values(bn.weight!);
    const b = values(bn.bias!);
    const rm = new Array<number>(C).fill(0);
    const rv = new Array<number>(C).fill(1);
    for (let step = 0; step < 3; step++) {
      const x = randn64(shape, 10 + step).mul(step + 1).add(step);
      const xs = values(x);
      const st = channelStats(xs, N, C, L);
      const expected = xs.map((v, i) => {
        const c = Math.floor(i / L) % C;
        return ((v - st[c].mean) / Math.sqrt(st[c].biased + 1e-5)) * w[c] + b[c];
      });
      expectClose(bn.call(x), expected, shape, { atol: 1e-12, rtol: 1e-9 });
      st.forEach((s, c) => {
        rm[c] = 0.8 * rm[c] + 0.2 * s.mean;
        rv[c] = 0.8 * rv[c] + 0.2 * s.unbiased;
      });
      expectClose(bn.running_mean!, rm, [C]);
      expectClose(bn.running_var!, rv, [C]);
    }
    expect(bn.num_batches_tracked!.item()).toBe(3);
    bn.eval();
    const x = randn64(shape, 99);
    const expected = values(x).map((v, i) => {
      const c = Math.floor(i / L) % C;
      return ((v - rm[c]) / Math.sqrt(rv[c] + 1e-5)) * w[c] + b[c];
    });
    expectClose(bn.call(x), expected, shape, { atol: 1e-12, rtol: 1e-9 });
    expect(bn.num_batches_tracked!.item()).toBe(3);
  });

  test('momentum null keeps a cumulative average', () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null, affine: false, dtype: 'float64' });
    bn.call(kiln.tensor([[0], [2]], { dtype: 'float64' })); // mean 1, unbiased var 2
    bn.call(kiln.tensor([[4], [8]], { dtype: 'float64' })); // mean 6, unbiased var 8
    // factor 1 then 1/2: rm = 1, then (1 + 6) / 2.
    expectClose(bn.running_mean!, [3.5], [1]);
    expectClose(bn.running_var!, [5], [1]);
  });

  test('without running statistics batch statistics are used in eval too', () => {
    const bn = new nn.BatchNorm1d(2, { trackRunningStats: false, affine: false, dtype: 'float64' });
    expect(bn.buffers()).toEqual([]);
    expect(Object.keys(bn.stateDict())).toEqual([]);
    const x = kiln.tensor([[1, 2], [3, 6]], { dtype: 'float64' });
    const train = values(bn.call(x));
    expect(values(bn.eval().call(x))).toEqual(train);
  });

  test('bad input', () => {
    const bn = new nn.BatchNorm1d(3);
    expect(() => bn.call(kiln.randn([1, 3]))).toThrow(/more than 1 value per channel/);
    expect(() => bn.call(kiln.randn([4]))).toThrow(kiln.ShapeError);
    expect(() => bn.call(kiln.randn([4, 2]))).toThrow(kiln.ShapeError);
    expect(() => bn.call(kiln.randn([2, 3, 4, 5]))).toThrow('BatchNorm1d: expected 2D or 3D input (got 4D input)');
  });
});
