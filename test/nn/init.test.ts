// SPDX-License-Identifier: MIT
// nn.init: bounds of the uniform initializers, standard deviations of the normal ones on large
// tensors, gains and fans, generators, and the default initialization of each layer.
import * as kiln from '../../lib';
import { values } from './helpers';

const { nn } = kiln;
const init = nn.init;

function stats(t: kiln.Tensor): { min: number; max: number; mean: number; std: number } {
  const v = values(t);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { min: v.reduce((a, b) => Math.min(a, b)), max: v.reduce((a, b) => Math.max(a, b)), mean, std };
}

/** U(-a, a) on n values: inside the bounds, near them at both ends, std a / sqrt(3). */
function expectUniform(t: kiln.Tensor, lo: number, hi: number): void {
  const s = stats(t);
  const n = t.numel();
  // float32 samples: the bounds themselves round to the nearest float32, which may lie outside.
  const f32 = t.dtype === 'float32';
  expect(s.min).toBeGreaterThanOrEqual(f32 ? Math.fround(lo) : lo);
  expect(s.max).toBeLessThanOrEqual(f32 ? Math.fround(hi) : hi);
  expect(s.min).toBeLessThan(lo + (hi - lo) * 0.01);
  expect(s.max).toBeGreaterThan(hi - (hi - lo) * 0.01);
  const sd = (hi - lo) / Math.sqrt(12);
  expect(Math.abs(s.mean - (lo + hi) / 2)).toBeLessThan((6 * sd) / Math.sqrt(n));
  expect(Math.abs(s.std / sd - 1)).toBeLessThan(0.02);
}

/** N(mean, std^2) on n values: sample mean and std within a few standard errors. */
function expectNormal(t: kiln.Tensor, mean: number, std: number): void {
  const s = stats(t);
  const n = t.numel();
  expect(Math.abs(s.mean - mean)).toBeLessThan((6 * std) / Math.sqrt(n));
  expect(Math.abs(s.std / std - 1)).toBeLessThan(6 / Math.sqrt(2 * n));
}

describe('initializers', () => {
  test('uniform_, normal_, constant_, zeros_, ones_ work in place on parameters', () => {
    const p = nn.Parameter(kiln.empty([200, 300]));
    expect(init.uniform_(p, -2, 3)).toBe(p);
    expectUniform(p, -2, 3);
    init.normal_(p, 1.5, 0.5);
    expectNormal(p, 1.5, 0.5);
    init.constant_(p, 0.25);
    expect(new Set(values(p))).toEqual(new Set([0.25]));
    init.zeros_(p);
    expect(new Set(values(p))).toEqual(new Set([0]));
    init.ones_(p);
    expect(new Set(values(p))).toEqual(new Set([1]));
    expect(p.requiresGrad).toBe(true);
    expect(p.gradFn).toBeNull();
  });

  test('xavier: bound gain sqrt(6 / (fan_in + fan_out)), std gain sqrt(2 / (fan_in + fan_out))', () => {
    const w = kiln.empty([300, 500]);
    const a = 2 * Math.sqrt(6 / 800);
    init.xavierUniform_(w, 2);
    expectUniform(w, -a, a);
    init.xavierNormal_(w, 0.5);
    expectNormal(w, 0, 0.5 * Math.sqrt(2 / 800));
    // A receptive field multiplies both fans: [out 20, in 10, 5, 5].
    const conv = kiln.empty([20, 10, 5, 5]);
    expect(init.calculateFanInAndFanOut(conv)).toEqual({ fanIn: 250, fanOut: 500 });
    init.xavierUniform_(conv);
    expectUniform(conv, -Math.sqrt(6 / 750), Math.sqrt(6 / 750));
    expect(() => init.xavierUniform_(kiln.empty([5]))).toThrow(kiln.ShapeError);
  });

  test('kaiming: fan modes, nonlinearities and a', () => {
    const w = kiln.empty([400, 250]);
    init.kaimingUniform_(w);
    const bound = Math.sqrt(2 / (1 + 0)) * Math.sqrt(3 / 250); // leaky_relu with a = 0: gain sqrt(2)
    expectUniform(w, -bound, bound);
    init.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'relu' });
    expectUniform(w, -Math.SQRT2 * Math.sqrt(3 / 400), Math.SQRT2 * Math.sqrt(3 / 400));
    init.kaimingUniform_(w, { a: Math.sqrt(5) }); // Linear's default: bound 1/sqrt(fan_in)
    expectUniform(w, -1 / Math.sqrt(250), 1 / Math.sqrt(250));
    init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'tanh' });
    expectNormal(w, 0, 5 / 3 / Math.sqrt(400));
    init.kaimingNormal_(w, { a: 0.2, nonlinearity: 'leaky_relu' });
    expectNormal(w, 0, Math.sqrt(2 / 1.04) / Math.sqrt(250));
    expect(() => init.kaimingNormal_(w, { mode: 'fan_avg' as 'fan_in' })).toThrow(kiln.KilnError);
  });

  test('calculateGain as PyTorch', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('softsign' as 'relu')).toThrow(kiln.KilnError);
  });

  test('a generator gives reproducible values, independent of the default stream', () => {
    const a = init.normal_(kiln.empty([50]), 0, 1, { generator: new kiln.Generator(42) });
    kiln.randn([17]); // advances the default generator only
    const b = init.normal_(kiln.empty([50]), 0, 1, { generator: new kiln.Generator(42) });
    expect(values(a)).toEqual(values(b));
    const c = init.uniform_(kiln.empty([50], { dtype: 'float64' }), 0, 1, { generator: new kiln.Generator(42) });
    expect(c.dtype).toBe('float64');
  });

  test('empty tensors are left alone', () => {
    expect(init.kaimingUniform_(kiln.empty([0, 3])).numel()).toBe(0);
    expect(init.uniform_(kiln.empty([0])).numel()).toBe(0);
  });
});

describe('default initialization of layers', () => {
  test('Linear: weight and bias U(-1/sqrt(in), 1/sqrt(in))', () => {
    const fc = new nn.Linear(400, 300);
    expectUniform(fc.weight, -1 / 20, 1 / 20);
    const s = stats(fc.bias!);
    expect(s.min).toBeGreaterThanOrEqual(-1 / 20);
    expect(s.max).toBeLessThanOrEqual(1 / 20);
    expect(s.std).toBeGreaterThan(0.02);
    // Reproducible with a generator.
    const a = new nn.Linear(3, 2, { generator: new kiln.Generator(7) });
    const b = new nn.Linear(3, 2, { generator: new kiln.Generator(7) });
    expect(values(a.weight)).toEqual(values(b.weight));
    expect(values(a.bias!)).toEqual(values(b.bias!));
  });

  test('Bilinear: U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias', () => {
    const bl = new nn.Bilinear(16, 30, 200);
    expectUniform(bl.weight, -0.25, 0.25);
    const s = stats(bl.bias!);
    expect(s.min).toBeGreaterThanOrEqual(-0.25);
    expect(s.max).toBeLessThanOrEqual(0.25);
  });

  test('Embedding: N(0, 1)', () => {
    expectNormal(new nn.Embedding(1000, 64).weight, 0, 1);
  });

  test('LayerNorm and BatchNorm: ones and zeros, running variance one', () => {
    const ln = new nn.LayerNorm([3, 4]);
    expect(new Set(values(ln.weight!))).toEqual(new Set([1]));
    expect(new Set(values(ln.bias!))).toEqual(new Set([0]));
    const bn = new nn.BatchNorm1d(5);
    expect(values(bn.weight!)).toEqual([1, 1, 1, 1, 1]);
    expect(values(bn.bias!)).toEqual([0, 0, 0, 0, 0]);
    expect(values(bn.running_mean!)).toEqual([0, 0, 0, 0, 0]);
    expect(values(bn.running_var!)).toEqual([1, 1, 1, 1, 1]);
    expect(bn.num_batches_tracked!.item()).toBe(0);
  });
});
