// SPDX-License-Identifier: MIT
// Convergence end to end through nn modules, losses and the built-in optimizers: a linear fit
// must recover the generating slope and intercept, and a one-hidden-layer MLP must separate
// two interleaved spirals (a boundary no linear model can draw). Everything is seeded, so a
// failure means the training stack changed, not that the data did.
import * as kiln from '../../lib';
import { mulberry32 } from '../helpers/prng';

const { nn, optim } = kiln;
type Tensor = kiln.Tensor;

test('Linear(1, 1) trained with SGD on MSELoss recovers y = 0.7 x + 0.3 from noisy samples', () => {
  kiln.manualSeed(1234);
  const x = kiln.rand([100, 1]);
  const y = kiln.noGrad(() => x.mul(0.7).add(0.3).add(kiln.randn([100, 1]).mul(0.01)));
  const model = new nn.Linear(1, 1);
  const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
  const lossFn = new nn.MSELoss();
  let first = NaN;
  let last = NaN;
  for (let step = 0; step < 1000; step++) {
    kiln.scope(() => {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      if (step === 0) first = loss.item() as number;
      last = loss.item() as number;
      loss.backward();
      opt.step();
    });
  }
  const w = model.weight.item() as number;
  const b = model.bias!.item() as number;
  expect(Math.abs(w - 0.7)).toBeLessThan(0.01);
  expect(Math.abs(b - 0.3)).toBeLessThan(0.01);
  // Tighter: gradient descent has reached the closed-form least-squares fit of this very sample,
  // so the remaining distance to (0.7, 0.3) is the noise's, not the optimizer's.
  const xs = (x.toArray() as number[][]).map((r) => r[0]);
  const ys = (y.toArray() as number[][]).map((r) => r[0]);
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
  const my = ys.reduce((s, v) => s + v, 0) / ys.length;
  const sxy = xs.reduce((s, v, i) => s + (v - mx) * (ys[i] - my), 0);
  const sxx = xs.reduce((s, v) => s + (v - mx) ** 2, 0);
  const wOls = sxy / sxx;
  expect(w).toBeCloseTo(wOls, 4);
  expect(b).toBeCloseTo(my - wOls * mx, 4);
  // What remains is the noise: a mean squared residual near 0.01^2.
  expect(last).toBeLessThan(2e-4);
  expect(last).toBeLessThan(first);
});

/** The classic two-spiral set: r = t, angle = TURNS * 2 pi t; class 1 is class 0 rotated by pi. */
function twoSpirals(perClass: number, seed: number): { x: Tensor; y: Tensor } {
  const TURNS = 1.5;
  const NOISE = 0.01;
  const rnd = mulberry32(seed);
  const pts: number[][] = [];
  const labels: number[] = [];
  for (let cls = 0; cls < 2; cls++) {
    for (let i = 0; i < perClass; i++) {
      const t = 0.05 + (0.95 * i) / (perClass - 1);
      const angle = TURNS * 2 * Math.PI * t + cls * Math.PI;
      pts.push([t * Math.cos(angle) + NOISE * (rnd() - 0.5), t * Math.sin(angle) + NOISE * (rnd() - 0.5)]);
      labels.push(cls);
    }
  }
  return { x: kiln.tensor(pts), y: kiln.tensor(labels, { dtype: 'int64' }) };
}

test('a two-layer MLP trained with Adam on CrossEntropyLoss separates two interleaved spirals', () => {
  kiln.manualSeed(7);
  const { x, y } = twoSpirals(200, 42);
  const H = 128;
  const model = new nn.Sequential(new nn.Linear(2, H), new nn.Tanh(), new nn.Linear(H, 2));
  const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
  const lossFn = new nn.CrossEntropyLoss();
  const accuracy = (): number =>
    kiln.scope(() => kiln.noGrad(() => (model.call(x).argmax(1).eq(y).sum().item() as number) / y.numel()));
  const before = accuracy();
  for (let step = 0; step < 800; step++) {
    kiln.scope(() => {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      opt.step();
    });
  }
  // An untrained (or linear) model is near chance on this data.
  expect(before).toBeLessThan(0.75);
  expect(accuracy()).toBeGreaterThan(0.95);
});
