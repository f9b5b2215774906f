// SPDX-License-Identifier: MIT
// Optimizer state dicts: PyTorch's layout and key names, and a save / load round trip into a
// fresh optimizer whose next steps are identical to the original's.
import * as kiln from '../../lib';
import { CASES, GRADS, Kind, makeOptimizer, P0, SHAPE, values } from './cases';

const f64 = { dtype: 'float64' } as const;

function twoParams(): kiln.Tensor[] {
  return [kiln.tensor(P0, f64).reshape(SHAPE).requiresGrad_(), kiln.tensor([0.25, -0.5], { ...f64, requiresGrad: true })];
}

function setGrads(params: kiln.Tensor[], step: number): void {
  params[0].grad = kiln.tensor(GRADS[step % GRADS.length], f64).reshape(SHAPE);
  params[1].grad = kiln.tensor([0.1 * (step + 1), -0.3], f64);
}

const kinds = Object.keys(CASES) as Kind[];
const table = kinds.flatMap((kind) => CASES[kind].map((opts) => [kind, JSON.stringify(opts), opts] as const));

test.each(table)('%s %s: save, load into a new optimizer, next steps identical', (kind, _name, opts) => {
  const a = twoParams();
  const optA = makeOptimizer(kind, [a[0]], opts);
  optA.addParamGroup({ params: [a[1]], lr: 0.05 });
  for (let s = 0; s < 2; s++) {
    setGrads(a, s);
    optA.step();
  }
  const saved = optA.stateDict();

  const b = a.map((t) => t.detach().clone().requiresGrad_());
  const optB = makeOptimizer(kind, [b[0]], { ...opts, lr: 123 });
  optB.addParamGroup({ params: [b[1]], lr: 456 });
  optB.loadStateDict(saved);
  expect(optB.paramGroups.map((g) => g.lr)).toEqual(optA.paramGroups.map((g) => g.lr));

  for (let s = 2; s < 5; s++) {
    setGrads(a, s);
    setGrads(b, s);
    optA.step();
    optB.step();
    expect(values(b[0])).toEqual(values(a[0]));
    expect(values(b[1])).toEqual(values(a[1]));
  }
});

test("the layout and key names are PyTorch's", () => {
  const [w, v] = twoParams();
  const opt = new kiln.optim.Adam([{ params: [w] }, { params: [v], lr: 0.5 }], { lr: 0.1, amsgrad: true, weightDecay: 0.01 });
  w.grad = kiln.onesLike(w);
  opt.step();
  const sd = opt.stateDict();
  expect(Object.keys(sd)).toEqual(['state', 'param_groups']);
  expect(Object.keys(sd.state)).toEqual(['0']); // v has no gradient yet: no state
  expect(Object.keys(sd.state[0])).toEqual(['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
  expect(sd.state[0].step).toBe(1);
  expect(sd.state[0].exp_avg).toBe(opt.state.get(w)!.exp_avg); // the optimizer's own tensors, as in PyTorch
  expect(sd.param_groups).toEqual([
    { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, amsgrad: true, maximize: false, params: [0] },
    { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, amsgrad: true, maximize: false, params: [1] },
  ]);

  const sgd = new kiln.optim.SGD([w], { lr: 0.1 });
  sgd.step();
  expect(sgd.stateDict().state[0]).toEqual({ momentum_buffer: null }); // PyTorch keeps the entry

  const rms = new kiln.optim.RMSprop([w], { momentum: 0.9, centered: true });
  rms.step();
  expect(Object.keys(rms.stateDict().state[0])).toEqual(['step', 'square_avg', 'momentum_buffer', 'grad_avg']);

  const ada = new kiln.optim.Adagrad([w, v], { lrDecay: 0.1, initialAccumulatorValue: 0.5 });
  const adaSd = ada.stateDict(); // state exists from construction, as in PyTorch
  expect(Object.keys(adaSd.state)).toEqual(['0', '1']);
  expect((adaSd.state[1].sum as kiln.Tensor).toArray()).toEqual([0.5, 0.5]);
  expect(adaSd.param_groups[0]).toMatchObject({ lr_decay: 0.1, initial_accumulator_value: 0.5, params: [0, 1] });
});

test('loading copies the tensors, converts them to the parameter dtype, and reads a tensor step', () => {
  const w = kiln.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  const opt = new kiln.optim.Adam([w], { lr: 0.1 });
  const expAvg = kiln.tensor([0.5, 0.25], f64);
  opt.loadStateDict({
    state: { 7: { step: kiln.tensor(4), exp_avg: expAvg, exp_avg_sq: kiln.tensor([1, 1], f64) } },
    param_groups: [{ lr: 0.01, betas: [0.8, 0.9], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, params: [7] }],
  });
  const s = opt.state.get(w)!;
  expect(s.step).toBe(4);
  expect((s.exp_avg as kiln.Tensor).dtype).toBe('float32');
  expect(s.exp_avg).not.toBe(expAvg);
  expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.8, 0.9], weightDecay: 0 });
  expect(opt.paramGroups[0].params[0]).toBe(w);
  w.grad = kiln.tensor([1, 1], { dtype: 'float32' });
  opt.step(); // fused: the loaded buffers are contiguous float32
  expect(s.step).toBe(5);
  expect(expAvg.toArray()).toEqual([0.5, 0.25]);
});

test('mismatched state dicts are refused', () => {
  const [w, v] = twoParams();
  const opt = new kiln.optim.SGD([w, v], { lr: 0.1 });
  const sd = opt.stateDict();
  const one = new kiln.optim.SGD([w], { lr: 0.1 });
  expect(() => one.loadStateDict(sd)).toThrow(/doesn't match the size/);
  const twoGroups = new kiln.optim.SGD([{ params: [w] }, { params: [v] }], { lr: 0.1 });
  expect(() => twoGroups.loadStateDict(sd)).toThrow(/different number of parameter groups/);
});
