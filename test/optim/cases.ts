// SPDX-License-Identifier: MIT
/**
 * The optimizer test cases: a [2, 3] parameter, three steps of gradients, and option sets
 * covering every option of each optimizer. The last gradient shrinks so that AMSGrad's
 * maximum differs from the running average.
 */
import * as kiln from '../../lib';
import {
  adagradRef, adamRef, newAdagradState, newAdamState, newRmspropState, rmspropRef, roundFor, sgdRef, Vec,
} from './reference';

export const SHAPE = [2, 3];
export const P0: Vec = [0.5, -1.25, 2.0, 0.75, -0.3, 1.1];
export const GRADS: Vec[] = [
  [0.5, -0.2, 0.1, 0.3, -0.7, 0.05],
  [0.1, 0.4, -0.3, 0.05, -0.2, 0.25],
  [0.01, -0.02, 0.6, -0.5, 0.003, -0.15],
];

export type Kind = 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
export type Options = Record<string, number | boolean | [number, number]>;

export const CASES: Record<Kind, Options[]> = {
  SGD: [
    { lr: 0.1 },
    { lr: 0.1, momentum: 0.9 },
    { lr: 0.1, momentum: 0.9, dampening: 0.1 },
    { lr: 0.1, momentum: 0.9, nesterov: true },
    { lr: 0.1, weightDecay: 0.01 },
    { lr: 0.1, maximize: true },
    { lr: 0.1, momentum: 0.9, weightDecay: 0.01, maximize: true },
    { lr: 0.05, momentum: 0.5, dampening: 0.5, weightDecay: 0.1 },
    { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.2, maximize: true },
  ],
  Adam: [
    {},
    { lr: 0.1 },
    { lr: 0.1, amsgrad: true, betas: [0.9, 0.9] },
    { lr: 0.05, weightDecay: 0.1 },
    { lr: 0.05, maximize: true },
    { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6 },
    { lr: 0.2, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.3, amsgrad: true, maximize: true },
  ],
  AdamW: [
    {},
    { lr: 0.1 },
    { lr: 0.1, weightDecay: 0 },
    { lr: 0.1, amsgrad: true, betas: [0.9, 0.9] },
    { lr: 0.05, weightDecay: 0.5, maximize: true },
    { lr: 0.2, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.3, amsgrad: true, maximize: true },
  ],
  RMSprop: [
    {},
    { lr: 0.1, centered: true },
    { lr: 0.1, momentum: 0.9 },
    { lr: 0.01, alpha: 0.9, eps: 1e-4 },
    { lr: 0.05, weightDecay: 0.1, maximize: true },
    { lr: 0.1, alpha: 0.8, momentum: 0.5, centered: true, weightDecay: 0.2, maximize: true },
  ],
  Adagrad: [
    {},
    { lr: 0.1, lrDecay: 0.1 },
    { lr: 0.1, weightDecay: 0.1 },
    { lr: 0.1, initialAccumulatorValue: 0.5 },
    { lr: 0.1, maximize: true },
    { lr: 0.5, lrDecay: 0.05, weightDecay: 0.05, initialAccumulatorValue: 0.1, eps: 1e-3, maximize: true },
  ],
};

/** What a run leaves: the parameter after each step and the final state (PyTorch's keys). */
export interface RunResult {
  params: Vec[];
  state: Record<string, Vec | number | null>;
}

export function makeOptimizer(kind: Kind, params: kiln.Tensor[], opts: Options & { fused?: boolean }): kiln.optim.Optimizer {
  // The option sets are typed loosely (one table for all optimizers).
  const o = opts as never;
  switch (kind) {
    case 'SGD':
      return new kiln.optim.SGD(params, o);
    case 'Adam':
      return new kiln.optim.Adam(params, o);
    case 'AdamW':
      return new kiln.optim.AdamW(params, o);
    case 'RMSprop':
      return new kiln.optim.RMSprop(params, o);
    case 'Adagrad':
      return new kiln.optim.Adagrad(params, o);
  }
}

export const values = (t: kiln.Tensor): Vec => Array.from(t.data() as Float64Array | Float32Array);

/** Runs kiln's optimizer over P0 and GRADS. */
export function runKiln(kind: Kind, opts: Options, dtype: 'float32' | 'float64', fused: boolean): RunResult {
  const p = kiln.tensor(P0, { dtype }).reshape(SHAPE).requiresGrad_();
  const opt = makeOptimizer(kind, [p], { ...opts, fused });
  const params: Vec[] = [];
  for (const g of GRADS) {
    p.grad = kiln.tensor(g, { dtype }).reshape(SHAPE);
    opt.step();
    params.push(values(p));
  }
  const state: RunResult['state'] = {};
  for (const [k, v] of Object.entries(opt.state.get(p) ?? {})) state[k] = v instanceof kiln.Tensor ? values(v) : v;
  return { params, state };
}

/** Runs the hand-written reference over P0 and GRADS. */
export function runRef(kind: Kind, opts: Options, dtype: 'float32' | 'float64'): RunResult {
  const r = roundFor(dtype);
  const p = P0.map(r);
  const params: Vec[] = [];
  const n = p.length;
  const grads = GRADS.map((g) => g.map(r));
  const o = opts as never;
  if (kind === 'SGD') {
    const st = { momentumBuffer: null as Vec | null };
    for (const g of grads) {
      sgdRef(p, g, st, o, r);
      params.push(p.slice());
    }
    return { params, state: { momentum_buffer: st.momentumBuffer } };
  }
  if (kind === 'Adam' || kind === 'AdamW') {
    const st = newAdamState(n);
    const withDefaults = kind === 'AdamW' ? { weightDecay: 1e-2, ...opts } : opts;
    for (const g of grads) {
      adamRef(p, g, st, withDefaults as never, kind === 'AdamW', r);
      params.push(p.slice());
    }
    const state: RunResult['state'] = { step: st.step, exp_avg: st.expAvg, exp_avg_sq: st.expAvgSq };
    if (opts.amsgrad) state.max_exp_avg_sq = st.maxExpAvgSq;
    return { params, state };
  }
  if (kind === 'RMSprop') {
    const st = newRmspropState(n);
    for (const g of grads) {
      rmspropRef(p, g, st, o, r);
      params.push(p.slice());
    }
    const state: RunResult['state'] = { step: grads.length, square_avg: st.squareAvg };
    if (((opts.momentum as number) ?? 0) > 0) state.momentum_buffer = st.momentumBuffer;
    if (opts.centered) state.grad_avg = st.gradAvg;
    return { params, state };
  }
  const st = newAdagradState(n, o, r);
  for (const g of grads) {
    adagradRef(p, g, st, o, r);
    params.push(p.slice());
  }
  return { params, state: { step: st.step, sum: st.sum } };
}
