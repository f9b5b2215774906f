// SPDX-License-Identifier: MIT
// Learning-rate schedules: each sequence against a hand-derived (closed-form) one, and against
// the values PyTorch 1.13 produced for the same settings (recorded below), which come from its
// recursive formulas and so may differ from the closed forms in the last bits.
import * as kiln from '../../lib';

type AnyOptimizer = kiln.optim.Optimizer;

function sgd(lr = 0.1, momentum = 0.9): kiln.optim.SGD {
  const p = kiln.tensor([0], { dtype: 'float64', requiresGrad: true });
  return new kiln.optim.SGD([p], { lr, momentum });
}

/** The lr after construction, then after each of `n` steps. */
function lrs(sched: { step(): void; getLastLr(): number[] }, n: number): number[] {
  const out = [sched.getLastLr()[0]];
  for (let i = 0; i < n; i++) {
    sched.step();
    out.push(sched.getLastLr()[0]);
  }
  return out;
}

function expectSeq(actual: number[], expected: number[], rtol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= rtol * Math.abs(expected[i]) + 1e-300)) throw new Error(`step ${i}: got ${a}, expected ${expected[i]}`);
  });
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
// PyTorch's values are matched to within a couple of ulps (Math.cos may differ from libm's in
// the last bit); the closed forms to 1e-12.
const TORCH = 1e-15;
const HAND = 1e-12;

// Recorded from torch.optim.lr_scheduler (torch 1.13), SGD(lr=0.1, momentum=0.9) unless noted.
const PYTORCH = {
  step: [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125],
  multistep: [
    0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.00010000000000000005, 0.00010000000000000005,
    0.00010000000000000005, 0.00010000000000000005,
  ],
  exp: [
    0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002, 0.05904900000000002, 0.05314410000000002,
    0.04782969000000002, 0.043046721000000024,
  ],
  cos: [
    0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736, 0.018594235253127367, 0.01, 0.018594235253127367,
    0.04109423525312739, 0.06890576474687267, 0.09140576474687269, 0.10000000000000006, 0.09140576474687272, 0.06890576474687268,
    0.0410942352531274, 0.01859423525312738, 0.01, 0.018594235253127367,
  ],
  linear: [0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.10000000000000002, 0.10000000000000002, 0.10000000000000002, 0.10000000000000002],
  oneCycleCos: {
    lr: [
      0.040000000000000036, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893, 0.38874197806371075, 0.18825834605023697,
      0.049519367986526286, 4e-6,
    ],
    momentum: [
      0.8999999999999999, 0.85, 0.854951556604879, 0.8688255099070633, 0.8888739533021842, 0.9111260466978157, 0.9311744900929366,
      0.945048443395121, 0.95,
    ],
  },
  oneCycleLinear3: {
    lr: [
      0.02, 0.26, 0.5, 0.26, 0.020000000000000018, 0.017143142857142857, 0.014286285714285715, 0.011429428571428571, 0.00857257142857143,
      0.005715714285714284, 0.002858857142857142, 1.9999999999985307e-6,
    ],
    momentum: [0.8999999999999999, 0.85, 0.8999999999999999, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95],
  },
  // Adam(lr=1e-3): beta1 cycles.
  oneCycleAdam: {
    lr: [
      0.0009999999999999992, 0.0083057041083643, 0.009719697234890296, 0.008119331560284373, 0.005564262558136021, 0.0028377507231077976,
      0.0007756126248547209, 1e-5,
    ],
    beta1: [
      0.8688255099070633, 0.8528058334845816, 0.8688255099070633, 0.8944017761948346, 0.9216941869558779, 0.9423362099614142, 0.95,
    ],
  },
  // SGD(lr=1.0)
  plateau: [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125],
  plateauMaxAbs: [1.0, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002],
  // LinearLR(start_factor=0.5, total_iters=3) and ExponentialLR(gamma=0.9) on one SGD(lr=0.1).
  chained: [0.05, 0.06, 0.0675, 0.0729, 0.06561, 0.059049000000000004, 0.05314410000000001],
  // CosineAnnealingLR(T_max=5, eta_min=0.01, last_epoch=2), groups holding initial_lr 0.1.
  cosResumed: [0.04109423525312737, 0.01859423525312737, 0.01, 0.018594235253127367],
};

test('StepLR', () => {
  const seq = lrs(new kiln.optim.StepLR(sgd(), { stepSize: 3, gamma: 0.5 }), 10);
  expectSeq(seq, range(11).map((t) => 0.1 * 0.5 ** Math.floor(t / 3)), HAND);
  expectSeq(seq, PYTORCH.step, TORCH);
});

test('MultiStepLR (a repeated milestone decays twice)', () => {
  const seq = lrs(new kiln.optim.MultiStepLR(sgd(), { milestones: [2, 5, 5], gamma: 0.1 }), 8);
  expectSeq(seq, range(9).map((t) => 0.1 * 0.1 ** (t >= 5 ? 3 : t >= 2 ? 1 : 0)), HAND);
  expectSeq(seq, PYTORCH.multistep, TORCH);
});

test('ExponentialLR', () => {
  const seq = lrs(new kiln.optim.ExponentialLR(sgd(), { gamma: 0.9 }), 8);
  expectSeq(seq, range(9).map((t) => 0.1 * 0.9 ** t), HAND);
  expectSeq(seq, PYTORCH.exp, TORCH);
});

test('CosineAnnealingLR, past tMax (the cosine continues)', () => {
  const seq = lrs(new kiln.optim.CosineAnnealingLR(sgd(), { tMax: 5, etaMin: 0.01 }), 16);
  expectSeq(seq, range(17).map((t) => 0.01 + ((0.1 - 0.01) * (1 + Math.cos((Math.PI * t) / 5))) / 2), HAND);
  expectSeq(seq, PYTORCH.cos, 2 * TORCH);
});

test('CosineAnnealingLR resumed at lastEpoch', () => {
  const opt = sgd();
  expect(() => new kiln.optim.CosineAnnealingLR(opt, { tMax: 5, lastEpoch: 2 })).toThrow(/initial_lr/);
  opt.paramGroups[0].initialLr = 0.1;
  const seq = lrs(new kiln.optim.CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.01, lastEpoch: 2 }), 3);
  expectSeq(seq, PYTORCH.cosResumed, 2 * TORCH);
});

test('LinearLR', () => {
  const seq = lrs(new kiln.optim.LinearLR(sgd(), { startFactor: 0.25, endFactor: 1, totalIters: 4 }), 7);
  expectSeq(seq, range(8).map((t) => 0.1 * (0.25 + (0.75 * Math.min(t, 4)) / 4)), HAND);
  expectSeq(seq, PYTORCH.linear, TORCH);
  expect(() => new kiln.optim.LinearLR(sgd(), { startFactor: 2 })).toThrow(/between 0 and 1/);
});

test('chained schedulers compose multiplicatively', () => {
  const opt = sgd();
  const a = new kiln.optim.LinearLR(opt, { startFactor: 0.5, totalIters: 3 });
  const b = new kiln.optim.ExponentialLR(opt, { gamma: 0.9 });
  const seq = [opt.paramGroups[0].lr];
  for (let i = 0; i < 6; i++) {
    a.step();
    b.step();
    seq.push(opt.paramGroups[0].lr);
  }
  const hand = range(7).map((t) => 0.1 * (0.5 + (0.5 * Math.min(t, 3)) / 3) * 0.9 ** t);
  expectSeq(seq, hand, HAND);
  expectSeq(seq, PYTORCH.chained, TORCH);
});

/** 1cycle by hand: anneal between the phase ends, which sit at pct * total - 1 (and so on). */
function oneCycleHand(
  total: number,
  ends: number[],
  points: Array<[number, number]>,
  anneal: (a: number, b: number, pct: number) => number,
): number[] {
  return range(total).map((t) => {
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      if (t <= ends[i] || i === ends.length - 1) return anneal(points[i][0], points[i][1], (t - start) / (ends[i] - start));
      start = ends[i];
    }
    throw new Error('unreachable');
  });
}
const cosAnneal = (a: number, b: number, pct: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1);
const linAnneal = (a: number, b: number, pct: number) => (b - a) * pct + a;

test('OneCycleLR, cosine, cycling SGD momentum', () => {
  const opt = sgd();
  const sched = new kiln.optim.OneCycleLR(opt, { maxLr: 1.0, totalSteps: 10 });
  const momenta: number[] = [];
  const seq = [sched.getLastLr()[0]];
  for (let i = 0; i < 9; i++) {
    sched.step();
    seq.push(sched.getLastLr()[0]);
    momenta.push(opt.paramGroups[0].momentum);
  }
  const ends = [0.3 * 10 - 1, 9];
  expectSeq(seq, oneCycleHand(10, ends, [[0.04, 1.0], [1.0, 0.04 / 1e4]], cosAnneal), HAND);
  expectSeq(momenta, oneCycleHand(10, ends, [[0.95, 0.85], [0.85, 0.95]], cosAnneal).slice(1), HAND);
  expectSeq(seq, PYTORCH.oneCycleCos.lr, TORCH);
  expectSeq(momenta, PYTORCH.oneCycleCos.momentum, TORCH);
  expect(opt.paramGroups[0]).toMatchObject({ initialLr: 0.04, maxLr: 1.0, minLr: 4e-6, maxMomentum: 0.95, baseMomentum: 0.85 });
  sched.step(); // as in PyTorch, step totalSteps itself is still allowed
  expect(() => sched.step()).toThrow(/Tried to step 12 times/);
});

test('OneCycleLR, linear, three phases', () => {
  const opt = sgd();
  const sched = new kiln.optim.OneCycleLR(opt, { maxLr: 0.5, totalSteps: 12, annealStrategy: 'linear', threePhase: true, pctStart: 0.25 });
  const momenta: number[] = [];
  const seq = [sched.getLastLr()[0]];
  for (let i = 0; i < 11; i++) {
    sched.step();
    seq.push(sched.getLastLr()[0]);
    momenta.push(opt.paramGroups[0].momentum);
  }
  const ends = [0.25 * 12 - 1, 2 * 0.25 * 12 - 2, 11];
  expectSeq(seq, oneCycleHand(12, ends, [[0.02, 0.5], [0.5, 0.02], [0.02, 0.02 / 1e4]], linAnneal), 1e-9);
  expectSeq(seq, PYTORCH.oneCycleLinear3.lr, TORCH);
  expectSeq(momenta, PYTORCH.oneCycleLinear3.momentum, TORCH);
});

test('OneCycleLR with Adam cycles beta1, from epochs * stepsPerEpoch', () => {
  const p = kiln.tensor([0], { dtype: 'float64', requiresGrad: true });
  const opt = new kiln.optim.Adam([p], { lr: 1e-3 });
  const sched = new kiln.optim.OneCycleLR(opt, { maxLr: 0.01, epochs: 2, stepsPerEpoch: 4, divFactor: 10, finalDivFactor: 100 });
  const beta1: number[] = [];
  const seq = [sched.getLastLr()[0]];
  for (let i = 0; i < 7; i++) {
    sched.step();
    seq.push(sched.getLastLr()[0]);
    beta1.push(opt.paramGroups[0].betas[0]);
  }
  expectSeq(seq, PYTORCH.oneCycleAdam.lr, TORCH);
  expectSeq(beta1, PYTORCH.oneCycleAdam.beta1, TORCH);
  expect(opt.paramGroups[0].betas[1]).toBe(0.999);
});

test('OneCycleLR validation', () => {
  expect(() => new kiln.optim.OneCycleLR(sgd(), { maxLr: 1 })).toThrow(/totalSteps/);
  expect(() => new kiln.optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 0 })).toThrow(/positive integer/);
  expect(() => new kiln.optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 2 })).toThrow(/pct_start/);
  expect(() => new kiln.optim.OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 10 })).toThrow(/expected 1 values/);
  const p = kiln.tensor([0], { requiresGrad: true });
  const ada = new kiln.optim.Adagrad([p]);
  expect(() => new kiln.optim.OneCycleLR(ada, { maxLr: 1, totalSteps: 10 })).toThrow(/support momentum/);
  expect(() => new kiln.optim.OneCycleLR(ada, { maxLr: 1, totalSteps: 10, cycleMomentum: false })).not.toThrow();
});

test('ReduceLROnPlateau: patience, cooldown and minLr', () => {
  const opt = sgd(1.0, 0);
  const sched = new kiln.optim.ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 2, cooldown: 1, minLr: 0.1 });
  const metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85];
  const seq = metrics.map((m) => {
    sched.step(m);
    return opt.paramGroups[0].lr;
  });
  // By hand: the 3rd bad step in a row reduces (patience 2); the step after a reduction is
  // the cooldown, whose bad step does not count.
  expect(seq).toEqual(PYTORCH.plateau);
  for (let i = 0; i < 8; i++) sched.step(kiln.tensor(0.85));
  expect(sched.getLastLr()).toEqual([0.1]); // 0.0625 would be below minLr
});

test('ReduceLROnPlateau: max mode with an absolute threshold', () => {
  const opt = sgd(1.0, 0);
  const sched = new kiln.optim.ReduceLROnPlateau(opt, { mode: 'max', factor: 0.1, patience: 0, threshold: 0.5, thresholdMode: 'abs' });
  const seq = [1.0, 1.2, 1.6, 1.7, 2.2, 2.3].map((m) => {
    sched.step(m);
    return opt.paramGroups[0].lr;
  });
  expectSeq(seq, PYTORCH.plateauMaxAbs, TORCH);
  expect(() => new kiln.optim.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/Factor/);
});

test('scheduler state dicts: PyTorch names, and a resumed schedule continues identically', () => {
  const opt = sgd();
  const sched = new kiln.optim.StepLR(opt, { stepSize: 3 });
  expect(sched.stateDict()).toEqual({ base_lrs: [0.1], last_epoch: 0, _step_count: 1, _last_lr: [0.1], step_size: 3, gamma: 0.1 });

  const makers: Array<(o: AnyOptimizer) => { step(): void; getLastLr(): number[]; stateDict(): object; loadStateDict(d: object): void }> = [
    (o) => new kiln.optim.CosineAnnealingLR(o, { tMax: 4, etaMin: 0.001 }),
    (o) => new kiln.optim.MultiStepLR(o, { milestones: [1, 4], gamma: 0.5 }),
    (o) => new kiln.optim.OneCycleLR(o, { maxLr: 0.3, totalSteps: 12, threePhase: true }),
    (o) => new kiln.optim.LinearLR(o, { startFactor: 0.1, totalIters: 6 }),
  ];
  for (const make of makers) {
    const optA = sgd();
    const a = make(optA);
    for (let i = 0; i < 4; i++) a.step();
    const savedOpt = optA.stateDict();
    const savedSched = a.stateDict();
    const optB = sgd(0.7, 0.3);
    const b = make(optB);
    optB.loadStateDict(savedOpt);
    b.loadStateDict(savedSched);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    for (let i = 0; i < 5; i++) {
      a.step();
      b.step();
      expect(b.getLastLr()).toEqual(a.getLastLr());
      expect(optB.paramGroups[0]).toEqual({ ...optA.paramGroups[0], params: optB.paramGroups[0].params });
    }
  }

  const optP = sgd(1.0, 0);
  const p = new kiln.optim.ReduceLROnPlateau(optP, { patience: 1 });
  [3, 2, 2.5].forEach((m) => p.step(m));
  const saved = p.stateDict();
  expect(saved).toMatchObject({ best: 2, num_bad_epochs: 1, mode: 'min', threshold_mode: 'rel', min_lrs: [0], last_epoch: 3 });
  const q = new kiln.optim.ReduceLROnPlateau(optP, { patience: 1 });
  q.loadStateDict(saved);
  q.step(2.5);
  expect(q.getLastLr()).toEqual([0.1]);
});
