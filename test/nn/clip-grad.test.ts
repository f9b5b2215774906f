// SPDX-License-Identifier: MIT
// Gradient clipping: the total norm and the scaled gradients, by hand (the norm of all
// gradient elements together) and as recorded from torch.nn.utils.clip_grad_norm_ (torch 1.13).
import * as kiln from '../../lib';

type DT = 'float32' | 'float64';
const G_A = [3, 4];
const G_B = [1, -2, 2, 0.5];

/** a and b have gradients, c has none (it is skipped). */
function params(dtype: DT): kiln.Tensor[] {
  const a = kiln.zeros([2], { dtype, requiresGrad: true });
  const b = kiln.zeros([2, 2], { dtype, requiresGrad: true });
  const c = kiln.zeros([3], { dtype, requiresGrad: true });
  a.grad = kiln.tensor(G_A, { dtype });
  b.grad = kiln.tensor(G_B, { dtype }).reshape([2, 2]);
  return [a, b, c];
}

const flat = (t: kiln.Tensor): number[] => Array.from(t.data() as Float64Array);

function close(actual: number[], expected: number[], rtol: number): void {
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= rtol * Math.abs(expected[i]))) throw new Error(`[${i}]: got ${a}, expected ${expected[i]}`);
  });
}

// [normType, maxNorm, total norm, a.grad, b.grad after clipping] per dtype.
type Recorded = [number, number, number, number[], number[]];
const TORCH: Record<DT, Recorded[]> = {
  float64: [
    [2, 1.0, 5.852349955359813, [0.5126145070388306, 0.6834860093851075], [0.17087150234627688, -0.34174300469255375, 0.34174300469255375, 0.08543575117313844]],
    [1, 2.0, 12.5, [0.4799999616000031, 0.6399999488000041], [0.15999998720000103, -0.31999997440000205, 0.31999997440000205, 0.07999999360000051]],
    [Infinity, 2.5, 4.0, [1.874999531250117, 2.499999375000156], [0.624999843750039, -1.249999687500078, 1.249999687500078, 0.3124999218750195]],
    [3, 100.0, 4.7640397172728965, [3, 4], [1, -2, 2, 0.5]],
    [0.5, 1.0, 68.35295699492558, [0.043889834295433354, 0.05851977906057781], [0.014629944765144452, -0.029259889530288904, 0.029259889530288904, 0.007314972382572226]],
  ],
  float32: [
    [2, 1.0, 5.852349758148193, [0.5126145482063293, 0.6834860444068909], [0.17087151110172272, -0.34174302220344543, 0.34174302220344543, 0.08543575555086136]],
    [1, 2.0, 12.5, [0.47999995946884155, 0.6399999260902405], [0.15999998152256012, -0.31999996304512024, 0.31999996304512024, 0.07999999076128006]],
    [Infinity, 2.5, 4.0, [1.8749996423721313, 2.499999523162842], [0.6249998807907104, -1.249999761581421, 1.249999761581421, 0.3124999403953552]],
    [3, 100.0, 4.764039993286133, [3, 4], [1, -2, 2, 0.5]],
    [0.5, 1.0, 68.35295867919922, [0.04388983175158501, 0.05851977691054344], [0.01462994422763586, -0.02925988845527172, 0.02925988845527172, 0.00731497211381793]],
  ],
};

describe.each(['float64', 'float32'] as const)('clipGradNorm_ %s', (dtype) => {
  const rtolHand = dtype === 'float64' ? 1e-12 : 1e-6;
  const rtolTorch = dtype === 'float64' ? 1e-15 : 2e-7;
  test.each(TORCH[dtype])('p=%s maxNorm=%s', (normType, maxNorm, torchTotal, torchA, torchB) => {
    const ps = params(dtype);
    const total = kiln.nn.utils.clipGradNorm_(ps, maxNorm, normType === Infinity ? 'inf' : normType);
    expect(total.dtype).toBe(dtype);
    expect(total.ndim).toBe(0);
    // By hand: the p-norm of every element of every gradient; scale min(1, maxNorm / (norm + 1e-6)).
    const all = [...G_A, ...G_B];
    const hand = normType === Infinity ? Math.max(...all.map(Math.abs)) : all.reduce((s, x) => s + Math.abs(x) ** normType, 0) ** (1 / normType);
    const coef = Math.min(1, maxNorm / (hand + 1e-6));
    close([Number(total.item())], [hand], rtolHand);
    close(flat(ps[0].grad!), G_A.map((x) => x * coef), rtolHand);
    close(flat(ps[1].grad!), G_B.map((x) => x * coef), rtolHand);
    close([Number(total.item())], [torchTotal], rtolTorch);
    close(flat(ps[0].grad!), torchA, rtolTorch);
    close(flat(ps[1].grad!), torchB, rtolTorch);
    expect(ps[2].grad).toBeNull();
  });
});

test('clipGradNorm_ edge cases', () => {
  const lone = kiln.zeros([1], { requiresGrad: true });
  const none = kiln.nn.utils.clipGradNorm_([lone], 1.0);
  expect(none.item()).toBe(0);
  expect(none.dtype).toBe('float32');

  const single = kiln.zeros([2], { dtype: 'float64', requiresGrad: true });
  single.grad = kiln.tensor([0.3, 0.4], { dtype: 'float64' });
  expect(kiln.nn.utils.clipGradNorm_(single, 10).item()).toBeCloseTo(0.5, 15); // a lone tensor is accepted
  expect(single.grad.toArray()).toEqual([0.3, 0.4]); // below maxNorm: scaled by exactly 1

  const bad = kiln.zeros([2], { dtype: 'float64', requiresGrad: true });
  bad.grad = kiln.tensor([NaN, 1], { dtype: 'float64' });
  expect(() => kiln.nn.utils.clipGradNorm_([bad], 1, 2, { errorIfNonfinite: true })).toThrow(/non-finite/);
  expect(Number.isNaN(kiln.nn.utils.clipGradNorm_([bad], 1).item())).toBe(true);
});

test('clipGradValue_ clamps every gradient element', () => {
  const ps = params('float64');
  kiln.nn.utils.clipGradValue_(ps, 1.5);
  expect(ps[0].grad!.toArray()).toEqual([1.5, 1.5]);
  expect(ps[1].grad!.toArray()).toEqual([[1, -1.5], [1.5, 0.5]]);
  expect(ps[2].grad).toBeNull();
});
