// SPDX-License-Identifier: MIT
// End to end: autograd and an optimizer fit y = 3x + 2 with a Linear-like (w, b) pair.
import * as kiln from '../../lib';

function fit(makeOpt: (params: kiln.Tensor[]) => kiln.optim.Optimizer, maxSteps: number) {
  const x = kiln.linspace(-1, 1, 64).reshape([64, 1]);
  const y = x.mul(3).add(2);
  const w = kiln.zeros([1, 1], { requiresGrad: true });
  const b = kiln.zeros([1], { requiresGrad: true });
  const opt = makeOpt([w, b]);
  let loss = Infinity;
  let steps = 0;
  while (steps < maxSteps && loss >= 1e-3) {
    loss = kiln.scope(() => {
      opt.zeroGrad();
      const l = x.matmul(w).add(b).sub(y).square().mean();
      l.backward();
      opt.step();
      return Number(l.item());
    });
    steps++;
  }
  return { loss, steps, w: Number(w.item()), b: Number(b.item()) };
}

test('Adam fits y = 3x + 2 to loss < 1e-3', () => {
  const r = fit((ps) => new kiln.optim.Adam(ps, { lr: 0.1 }), 1000);
  expect(r.loss).toBeLessThan(1e-3);
  expect(r.w).toBeCloseTo(3, 1);
  expect(r.b).toBeCloseTo(2, 1);
});

test.each([
  ['SGD with Nesterov momentum', (ps: kiln.Tensor[]) => new kiln.optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['AdamW with amsgrad', (ps: kiln.Tensor[]) => new kiln.optim.AdamW(ps, { lr: 0.1, weightDecay: 1e-4, amsgrad: true })],
  ['centered RMSprop', (ps: kiln.Tensor[]) => new kiln.optim.RMSprop(ps, { lr: 0.01, centered: true })],
  ['Adagrad', (ps: kiln.Tensor[]) => new kiln.optim.Adagrad(ps, { lr: 0.5 })],
])('%s fits it too', (_name, make) => {
  const r = fit(make, 2000);
  expect(r.loss).toBeLessThan(1e-3);
});
