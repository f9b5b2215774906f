// SPDX-License-Identifier: MIT
// The optimizers' arithmetic: three steps of every option set (cases.ts) against the
// hand-written PyTorch rules (reference.ts), in float64 and float32, through the fused native
// update and through the composed kiln ops; and the two paths against each other, which
// replay the same tensor ops and so must agree to the bit.
import * as kiln from '../../lib';
import { CASES, GRADS, Kind, P0, runKiln, runRef, RunResult, SHAPE, values } from './cases';
import { adamRef, newAdamState, roundFor, sgdRef, Vec } from './reference';

/** The reference rounds like the kernels; only a compiler fusing multiply-adds could differ. */
const TOL = { float64: { rtol: 1e-13, atol: 1e-15 }, float32: { rtol: 1e-6, atol: 1e-7 } } as const;

function expectClose(actual: Vec, expected: Vec, dtype: 'float32' | 'float64', what: string): void {
  const { rtol, atol } = TOL[dtype];
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) throw new Error(`${what}[${i}]: got ${a}, expected ${e}`);
  });
}

function expectRunClose(actual: RunResult, expected: RunResult, dtype: 'float32' | 'float64'): void {
  actual.params.forEach((p, step) => expectClose(p, expected.params[step], dtype, `param after step ${step + 1}`));
  expect(Object.keys(actual.state).sort()).toEqual(Object.keys(expected.state).sort());
  for (const [k, v] of Object.entries(expected.state)) {
    if (Array.isArray(v)) expectClose(actual.state[k] as Vec, v, dtype, k);
    else expect(actual.state[k]).toBe(v);
  }
}

const kinds = Object.keys(CASES) as Kind[];
const table = kinds.flatMap((kind) => CASES[kind].map((opts) => [kind, JSON.stringify(opts), opts] as const));

describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
  test.each(table)('%s %s: fused steps follow PyTorch', (kind, _name, opts) => {
    expectRunClose(runKiln(kind, opts, dtype, true), runRef(kind, opts, dtype), dtype);
  });
  test.each(table)('%s %s: composed steps follow PyTorch', (kind, _name, opts) => {
    expectRunClose(runKiln(kind, opts, dtype, false), runRef(kind, opts, dtype), dtype);
  });
  test.each(table)('%s %s: fused and composed agree exactly', (kind, _name, opts) => {
    expect(runKiln(kind, opts, dtype, true)).toEqual(runKiln(kind, opts, dtype, false));
  });
});

describe('paths', () => {
  test('a non-contiguous parameter takes the composed path with the same numbers', () => {
    // A transposed view: its elements in row-major order are P0 reordered.
    const base = kiln.tensor(P0, { dtype: 'float64' }).reshape([3, 2]);
    const p = base.t().requiresGrad_();
    expect(p.isContiguous()).toBe(false);
    const q = kiln.tensor(p.toArray() as number[][], { dtype: 'float64', requiresGrad: true });
    const a = new kiln.optim.Adam([p], { lr: 0.1, amsgrad: true });
    const b = new kiln.optim.Adam([q], { lr: 0.1, amsgrad: true });
    for (const g of GRADS) {
      p.grad = kiln.tensor(g, { dtype: 'float64' }).reshape(SHAPE);
      q.grad = p.grad.clone();
      a.step();
      b.step();
    }
    expect(p.toArray()).toEqual(q.toArray());
    expect(base.toArray()).toEqual((p.t() as kiln.Tensor).toArray()); // updated in place, through the view
  });

  test('a non-contiguous gradient is read correctly by the fused path', () => {
    const p = kiln.tensor(P0, { dtype: 'float64' }).reshape(SHAPE).requiresGrad_();
    const q = kiln.tensor(P0, { dtype: 'float64' }).reshape(SHAPE).requiresGrad_();
    const a = new kiln.optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    const b = new kiln.optim.SGD([q], { lr: 0.1, momentum: 0.9, fused: false });
    for (const g of GRADS) {
      p.grad = kiln.tensor(g, { dtype: 'float64' }).reshape([3, 2]).t();
      q.grad = p.grad.contiguous();
      a.step();
      b.step();
    }
    expect(p.grad!.isContiguous()).toBe(false);
    expect(values(p)).toEqual(values(q));
  });

  test('many small parameters and one large one (split across threads) match the reference', () => {
    const n = 100_003;
    const big = kiln.arange(n, { dtype: 'float64' }).div(n).requiresGrad_();
    const small = Array.from({ length: 20 }, (_, i) => kiln.tensor([i / 10, -i / 20, 1], { dtype: 'float64', requiresGrad: true }));
    const opt = new kiln.optim.Adam([big, ...small], { lr: 0.01, weightDecay: 0.1 });
    const refBig = values(big);
    const refState = newAdamState(n);
    const gradOf = (x: Vec, step: number): Vec => x.map((v, i) => Math.sin(v * 7 + step) + (i % 3) * 0.01);
    for (let step = 0; step < 3; step++) {
      const g = gradOf(values(big), step);
      big.grad = kiln.tensor(g, { dtype: 'float64' });
      for (const s of small) s.grad = kiln.onesLike(s);
      opt.step();
      adamRef(refBig, g, refState, { lr: 0.01, weightDecay: 0.1 }, false, roundFor('float64'));
    }
    expectClose(values(big), refBig, 'float64', 'big');
    expect(opt.state.get(small[3])!.step).toBe(3);
  });
});

describe('optimizer behaviour', () => {
  const f64 = { dtype: 'float64' } as const;

  test('parameters whose grad is null are skipped and get no state', () => {
    const a = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    const b = kiln.tensor([3, 4], { ...f64, requiresGrad: true });
    const opt = new kiln.optim.Adam([a, b], { lr: 0.1 });
    a.grad = kiln.tensor([1, 1], f64);
    opt.step();
    expect(b.toArray()).toEqual([3, 4]);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.get(a)!.step).toBe(1);
  });

  test('param groups use their own options, defaults fill the rest', () => {
    const a = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    const b = kiln.tensor([3, 4], { ...f64, requiresGrad: true });
    const opt = new kiln.optim.SGD([{ params: [a] }, { params: [b], lr: 0.01, momentum: 0.5 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum, g.dampening])).toEqual([[0.1, 0.9, 0], [0.01, 0.5, 0]]);
    const refA = [1, 2];
    const refB = [3, 4];
    const stA = { momentumBuffer: null as Vec | null };
    const stB = { momentumBuffer: null as Vec | null };
    for (const g of [[0.5, -1], [0.25, 2], [-1, 0.125]]) {
      a.grad = kiln.tensor(g, f64);
      b.grad = kiln.tensor(g, f64);
      opt.step();
      sgdRef(refA, g, stA, { lr: 0.1, momentum: 0.9 }, roundFor('float64'));
      sgdRef(refB, g, stB, { lr: 0.01, momentum: 0.5 }, roundFor('float64'));
    }
    expectClose(values(a), refA, 'float64', 'a');
    expectClose(values(b), refB, 'float64', 'b');
  });

  test('addParamGroup adds a group with defaults; a group changed mid-training takes effect', () => {
    const a = kiln.tensor([1], { ...f64, requiresGrad: true });
    const b = kiln.tensor([1], { ...f64, requiresGrad: true });
    const opt = new kiln.optim.SGD([a], { lr: 0.5 });
    opt.addParamGroup({ params: b, lr: 0.25 });
    expect(opt.paramGroups[1].params).toEqual([b]);
    a.grad = kiln.tensor([1], f64);
    b.grad = kiln.tensor([1], f64);
    opt.step();
    expect([a.item(), b.item()]).toEqual([0.5, 0.75]);
    opt.paramGroups[0].lr = 0.125;
    opt.step();
    expect(a.item()).toBe(0.375);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one parameter group/);
  });

  test('zeroGrad sets gradients to null by default, or zeroes them in place', () => {
    const a = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    const opt = new kiln.optim.SGD([a], { lr: 0.1 });
    a.grad = kiln.tensor([3, 4], f64);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    const g = kiln.tensor([3, 4], f64);
    a.grad = g;
    opt.zeroGrad({ setToNone: false });
    expect(a.grad).toBe(g);
    expect(g.toArray()).toEqual([0, 0]);
  });

  test('zeroGrad then backward accumulates a fresh gradient', () => {
    const w = kiln.tensor([2, 3], { ...f64, requiresGrad: true });
    const opt = new kiln.optim.SGD([w], { lr: 0.1 });
    for (const setToNone of [true, false]) {
      w.mul(w).sum().backward();
      w.mul(w).sum().backward();
      opt.zeroGrad({ setToNone });
      w.mul(w).sum().backward();
      expect(w.grad!.toArray()).toEqual([4, 6]);
    }
  });

  test('step runs without recording the graph, bumps versions, and returns the closure loss', () => {
    const w = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    const opt = new kiln.optim.Adam([w], { lr: 0.1 });
    const v0 = w.storage.version;
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = w.mul(w).sum();
      l.backward();
      return l;
    });
    expect(loss!.item()).toBe(5);
    expect(w.gradFn).toBeNull();
    expect(w.requiresGrad).toBe(true);
    expect(w.storage.version).toBeGreaterThan(v0);
    const state = opt.state.get(w)!;
    expect((state.exp_avg as kiln.Tensor).requiresGrad).toBe(false);
    // The composed path bumps versions through its in-place ops.
    const u = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    const opt2 = new kiln.optim.Adam([u], { lr: 0.1, fused: false });
    const u0 = u.storage.version;
    u.grad = kiln.tensor([1, 1], f64);
    opt2.step();
    expect(u.storage.version).toBeGreaterThan(u0);
  });

  test('state created inside kiln.scope survives it', () => {
    const w = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    for (const fused of [true, false]) {
      const opt = new kiln.optim.SGD([w], { lr: 0.1, momentum: 0.9, fused });
      for (let i = 0; i < 3; i++) {
        kiln.scope(() => {
          opt.zeroGrad();
          w.mul(w).sum().backward();
          opt.step();
        });
      }
      expect((opt.state.get(w)!.momentum_buffer as kiln.Tensor).isDisposed).toBe(false);
    }
    const opt = new kiln.optim.Adagrad([w], { lr: 0.1 });
    kiln.scope(() => {
      w.grad = kiln.tensor([1, 1], f64);
      opt.step();
    });
    expect((opt.state.get(w)!.sum as kiln.Tensor).isDisposed).toBe(false);
  });

  test('a gradient of the wrong shape is refused', () => {
    const w = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    w.grad = kiln.tensor([1, 2, 3], f64);
    expect(() => new kiln.optim.Adam([w]).step()).toThrow(kiln.ShapeError);
  });

  test('constructor and group validation', () => {
    const w = kiln.tensor([1, 2], { ...f64, requiresGrad: true });
    expect(() => new kiln.optim.SGD([w])).toThrow(/required optimization parameter lr/);
    expect(() => new kiln.optim.SGD([w], { lr: -1 })).toThrow(/Invalid learning rate: -1/);
    expect(() => new kiln.optim.SGD([w], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires/);
    expect(() => new kiln.optim.SGD([w], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new kiln.optim.Adam([w], { betas: [1, 0.999] })).toThrow(/beta parameter at index 0/);
    expect(() => new kiln.optim.Adam([w], { eps: -1 })).toThrow(/epsilon/);
    expect(() => new kiln.optim.RMSprop([w], { alpha: -1 })).toThrow(/alpha/);
    expect(() => new kiln.optim.Adagrad([w], { lrDecay: -1 })).toThrow(/lr_decay/);
    expect(() => new kiln.optim.Adam([])).toThrow(/empty parameter list/);
    expect(() => new kiln.optim.Adam(w as unknown as kiln.Tensor[])).toThrow(TypeError);
    expect(() => new kiln.optim.Adam([w, w])).toThrow(/same parameter twice/);
    expect(() => new kiln.optim.Adam([w.mul(2)])).toThrow(/non-leaf/);
    expect(() => new kiln.optim.Adam([{ params: new Set([w]) }])).toThrow(/ordered collection/);
    expect(() => new kiln.optim.Adam([{ params: [w] }, { params: [w] }])).toThrow(/more than one parameter group/);
  });

  test('defaults match PyTorch', () => {
    const w = kiln.tensor([1], { ...f64, requiresGrad: true });
    const omit = (g: object) => Object.fromEntries(Object.entries(g).filter(([k]) => k !== 'params'));
    expect(omit(new kiln.optim.Adam([w]).paramGroups[0])).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(new kiln.optim.AdamW([w]).paramGroups[0].weightDecay).toBe(1e-2);
    expect(omit(new kiln.optim.SGD([w], { lr: 0.1 }).paramGroups[0])).toEqual({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    expect(omit(new kiln.optim.RMSprop([w]).paramGroups[0])).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    expect(omit(new kiln.optim.Adagrad([w]).paramGroups[0])).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
  });
});
