// SPDX-License-Identifier: MIT
/**
 * Hand-written references for the optimizer tests: PyTorch 1.13's single-tensor update rules
 * in plain TypeScript over number arrays, one line per tensor op in PyTorch's order. `round`
 * is applied to every scalar and every intermediate, as a tensor op of that dtype would:
 * the identity for float64, Math.fround for float32.
 */

export type Vec = number[];
export type Round = (x: number) => number;

export const roundFor = (dtype: 'float32' | 'float64'): Round => (dtype === 'float32' ? Math.fround : (x: number) => x);

export interface SgdRefOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export interface SgdRefState {
  momentumBuffer: Vec | null;
}

export function sgdRef(p: Vec, grad: Vec, st: SgdRefState, o: SgdRefOptions, r: Round): void {
  const momentum = o.momentum ?? 0;
  const wd = r(o.weightDecay ?? 0);
  const m = r(momentum);
  const oneMinusDampening = r(1 - (o.dampening ?? 0));
  const negLr = r(-o.lr);
  const first = st.momentumBuffer === null;
  if (momentum !== 0 && first) st.momentumBuffer = new Array<number>(p.length).fill(0);
  for (let i = 0; i < p.length; i++) {
    let d = o.maximize ? -grad[i] : grad[i];
    if ((o.weightDecay ?? 0) !== 0) d = r(d + r(wd * p[i]));
    if (momentum !== 0) {
      const buf = st.momentumBuffer!;
      buf[i] = first ? d : r(r(buf[i] * m) + r(oneMinusDampening * d));
      d = o.nesterov ? r(d + r(m * buf[i])) : buf[i];
    }
    p[i] = r(p[i] + r(negLr * d));
  }
}

export interface AdamRefOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

export interface AdamRefState {
  step: number;
  expAvg: Vec;
  expAvgSq: Vec;
  maxExpAvgSq: Vec;
}

export const newAdamState = (n: number): AdamRefState => ({
  step: 0,
  expAvg: new Array<number>(n).fill(0),
  expAvgSq: new Array<number>(n).fill(0),
  maxExpAvgSq: new Array<number>(n).fill(0),
});

/** Adam, or AdamW with `decoupled` (whose default weight decay the caller supplies). */
export function adamRef(p: Vec, grad: Vec, st: AdamRefState, o: AdamRefOptions, decoupled: boolean, r: Round): void {
  const lr = o.lr ?? 1e-3;
  const [beta1, beta2] = o.betas ?? [0.9, 0.999];
  const eps = o.eps ?? 1e-8;
  const weightDecay = o.weightDecay ?? 0;
  st.step += 1;
  const biasCorrection1 = 1 - beta1 ** st.step;
  const biasCorrection2 = 1 - beta2 ** st.step;
  const stepSize = lr / biasCorrection1;
  const bc2Sqrt = Math.sqrt(biasCorrection2);
  for (let i = 0; i < p.length; i++) {
    let g = o.maximize ? -grad[i] : grad[i];
    if (decoupled) p[i] = r(p[i] * r(1 - lr * weightDecay));
    else if (weightDecay !== 0) g = r(g + r(r(weightDecay) * p[i]));
    st.expAvg[i] = r(st.expAvg[i] * r(beta1));
    st.expAvg[i] = r(st.expAvg[i] + r(r(1 - beta1) * g));
    st.expAvgSq[i] = r(st.expAvgSq[i] * r(beta2));
    st.expAvgSq[i] = r(st.expAvgSq[i] + r(r(r(1 - beta2) * g) * g));
    let denom: number;
    if (o.amsgrad) {
      st.maxExpAvgSq[i] = Math.max(st.maxExpAvgSq[i], st.expAvgSq[i]);
      denom = r(r(Math.sqrt(st.maxExpAvgSq[i])) / r(bc2Sqrt));
    } else {
      denom = r(r(Math.sqrt(st.expAvgSq[i])) / r(bc2Sqrt));
    }
    denom = r(denom + r(eps));
    p[i] = r(p[i] + r(r(r(-stepSize) * st.expAvg[i]) / denom));
  }
}

export interface RmspropRefOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}

export interface RmspropRefState {
  squareAvg: Vec;
  gradAvg: Vec;
  momentumBuffer: Vec;
}

export const newRmspropState = (n: number): RmspropRefState => ({
  squareAvg: new Array<number>(n).fill(0),
  gradAvg: new Array<number>(n).fill(0),
  momentumBuffer: new Array<number>(n).fill(0),
});

export function rmspropRef(p: Vec, grad: Vec, st: RmspropRefState, o: RmspropRefOptions, r: Round): void {
  const lr = o.lr ?? 1e-2;
  const alpha = o.alpha ?? 0.99;
  const eps = o.eps ?? 1e-8;
  const weightDecay = o.weightDecay ?? 0;
  const momentum = o.momentum ?? 0;
  for (let i = 0; i < p.length; i++) {
    let g = o.maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g = r(g + r(r(weightDecay) * p[i]));
    st.squareAvg[i] = r(st.squareAvg[i] * r(alpha));
    st.squareAvg[i] = r(st.squareAvg[i] + r(r(r(1 - alpha) * g) * g));
    let avg: number;
    if (o.centered) {
      st.gradAvg[i] = r(st.gradAvg[i] * r(alpha));
      st.gradAvg[i] = r(st.gradAvg[i] + r(r(1 - alpha) * g));
      avg = r(Math.sqrt(r(st.squareAvg[i] + r(-st.gradAvg[i] * st.gradAvg[i]))));
    } else {
      avg = r(Math.sqrt(st.squareAvg[i]));
    }
    avg = r(avg + r(eps));
    if (momentum > 0) {
      st.momentumBuffer[i] = r(st.momentumBuffer[i] * r(momentum));
      st.momentumBuffer[i] = r(st.momentumBuffer[i] + r(g / avg));
      p[i] = r(p[i] + r(r(-lr) * st.momentumBuffer[i]));
    } else {
      p[i] = r(p[i] + r(r(r(-lr) * g) / avg));
    }
  }
}

export interface AdagradRefOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}

export interface AdagradRefState {
  step: number;
  sum: Vec;
}

export const newAdagradState = (n: number, o: AdagradRefOptions, r: Round): AdagradRefState => ({
  step: 0,
  sum: new Array<number>(n).fill(r(o.initialAccumulatorValue ?? 0)),
});

export function adagradRef(p: Vec, grad: Vec, st: AdagradRefState, o: AdagradRefOptions, r: Round): void {
  const lr = o.lr ?? 1e-2;
  const lrDecay = o.lrDecay ?? 0;
  const weightDecay = o.weightDecay ?? 0;
  const eps = o.eps ?? 1e-10;
  st.step += 1;
  const clr = lr / (1 + (st.step - 1) * lrDecay);
  for (let i = 0; i < p.length; i++) {
    let g = o.maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g = r(g + r(r(weightDecay) * p[i]));
    st.sum[i] = r(st.sum[i] + r(g * g));
    const std = r(r(Math.sqrt(st.sum[i])) + r(eps));
    p[i] = r(p[i] + r(r(r(-clr) * g) / std));
  }
}
