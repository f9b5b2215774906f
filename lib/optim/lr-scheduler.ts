// SPDX-License-Identifier: MIT
/**
 * Learning-rate schedulers (torch.optim.lr_scheduler). Each computes the next rates the way
 * PyTorch 1.13 does, including its recursive ("chainable") forms, which update from each
 * group's current lr so that schedulers compose, and whose rounding differs in the last bits
 * from the closed forms. Call `step()` after `optimizer.step()`.
 */
import { KilnError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { BaseGroupOptions, Optimizer, ParamGroup } from './optimizer';

type AnyOptimizer = Optimizer<BaseGroupOptions>;
type Group = ParamGroup<BaseGroupOptions>;

/** A scheduler's state: its fields under PyTorch's names (base_lrs, last_epoch, ...). */
export type SchedulerStateDict = Record<string, unknown>;

// Fields whose PyTorch name is not the plain snake_case of the kiln one.
const RENAMES: Record<string, string> = {
  stepCount: '_step_count',
  lastLr: '_last_lr',
  tMax: 'T_max',
  schedulePhases: '_schedule_phases',
};
const RENAMED_BACK = Object.fromEntries(Object.entries(RENAMES).map(([k, v]) => [v, k]));
const toSnake = (k: string): string => RENAMES[k] ?? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (k: string): string => RENAMED_BACK[k] ?? k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Every field except the optimizer, renamed and copied. */
function saveFields(self: object): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [k, v] of Object.entries(self)) if (k !== 'optimizer' && typeof v !== 'function') out[toSnake(k)] = structuredClone(v);
  return out;
}

/** Restores the fields a state dict names (unknown keys are ignored). */
function loadFields(self: object, dict: SchedulerStateDict): void {
  const target = self as Record<string, unknown>;
  for (const [k, v] of Object.entries(dict)) {
    const field = toCamel(k);
    if (field !== 'optimizer' && Object.prototype.hasOwnProperty.call(target, field)) target[field] = structuredClone(v);
  }
}

function checkOptimizer(optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${(optimizer as object)?.constructor?.name ?? typeof optimizer} is not an Optimizer`);
}

/** A number or one number per parameter group. */
function perGroup(name: string, optimizer: AnyOptimizer, value: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (!Array.isArray(value)) return new Array<number>(n).fill(value as number);
  if (value.length !== n) throw new KilnError(`expected ${n} values for ${name}, got ${value.length}`);
  return value.slice();
}

export interface SchedulerOptions {
  /**
   * Index of the last step taken, to resume a schedule (default -1: start). Resuming needs
   * each group's initialLr, which a scheduler sets on its first construction.
   */
  lastEpoch?: number;
}

/**
 * Base class of the epoch- or iteration-indexed schedulers: subclasses give `getLr`, the
 * rates for step `lastEpoch`. Construction takes the first step (lastEpoch 0), as in PyTorch.
 *
 * @example
 * // Halves the rate every other step, from each group's current lr (so it chains).
 * class HalveEveryOther extends LRScheduler {
 *   constructor(opt: Optimizer) {
 *     super(opt);
 *     this.initialStep();
 *   }
 *   protected getLr(): number[] {
 *     const halve = this.lastEpoch > 0 && this.lastEpoch % 2 === 0;
 *     return this.optimizer.paramGroups.map((g) => (halve ? g.lr / 2 : g.lr));
 *   }
 * }
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** The rates the schedule starts from: each group's initialLr. */
  baseLrs: number[];
  /** Index of the last step taken. */
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined)
          throw new KilnError(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** Subclass constructors end with this, once their options are set: PyTorch's _initial_step. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances the schedule by one and writes the new rates into the optimizer's groups. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The rates set by the last step, one per group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The scheduler's fields under PyTorch's names; the optimizer is not included. */
  stateDict(): SchedulerStateDict {
    return saveFields(this);
  }

  loadStateDict(dict: SchedulerStateDict): void {
    loadFields(this, dict);
  }

  /** The rates for step `lastEpoch` (already incremented), one per group. */
  protected abstract getLr(): number[];

  protected get groups(): Group[] {
    return this.optimizer.paramGroups;
  }
}

export interface StepLROptions extends SchedulerOptions {
  /** Steps between decays. */
  stepSize: number;
  /** Factor of each decay (default 0.1). */
  gamma?: number;
}

/**
 * Multiplies each group's lr by gamma every stepSize steps.
 *
 * @example
 * const sched = new kiln.optim.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, opts: StepLROptions) {
    super(optimizer, opts.lastEpoch);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

export interface MultiStepLROptions extends SchedulerOptions {
  /** Steps at which to decay (a step listed twice decays twice). */
  milestones: readonly number[];
  gamma?: number;
}

/**
 * Multiplies each group's lr by gamma at each milestone.
 *
 * @example
 * const sched = new kiln.optim.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Milestone -> how many times it was listed (PyTorch's Counter). */
  milestones: Record<number, number>;
  gamma: number;

  constructor(optimizer: AnyOptimizer, opts: MultiStepLROptions) {
    super(optimizer, opts.lastEpoch);
    this.milestones = {};
    for (const m of opts.milestones) this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const count = this.milestones[this.lastEpoch];
    if (count === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }
}

export interface ExponentialLROptions extends SchedulerOptions {
  gamma: number;
}

/**
 * Multiplies each group's lr by gamma every step.
 *
 * @example
 * const sched = new kiln.optim.ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, opts: ExponentialLROptions) {
    super(optimizer, opts.lastEpoch);
    this.gamma = opts.gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Steps in half a cosine period. */
  tMax: number;
  /** The lowest rate (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing from each group's initial lr to etaMin over tMax steps (then back up, as
 * the cosine continues). Uses PyTorch's recursive form, so values match PyTorch's to the bit
 * rather than the closed form `etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2`.
 *
 * @example
 * const sched = new kiln.optim.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: AnyOptimizer, opts: CosineAnnealingLROptions) {
    super(optimizer, opts.lastEpoch);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && t > 0)
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    if ((t - 1 - tMax) % (2 * tMax) === 0)
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    return this.groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }
}

export interface LinearLROptions extends SchedulerOptions {
  /** Factor of the lr at step 0 (default 1/3). */
  startFactor?: number;
  /** Factor reached at totalIters (default 1). */
  endFactor?: number;
  /** Steps of the ramp (default 5). */
  totalIters?: number;
}

/**
 * Scales each group's lr by a factor going linearly from startFactor to endFactor over
 * totalIters steps (a warm-up), then leaves it.
 *
 * @example
 * const warmup = new kiln.optim.LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: AnyOptimizer, opts: LinearLROptions = {}) {
    super(optimizer, opts.lastEpoch);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor < 0) throw new KilnError('Starting multiplicative factor expected to be between 0 and 1.');
    if (this.endFactor > 1 || this.endFactor < 0) throw new KilnError('Ending multiplicative factor expected to be between 0 and 1.');
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    if (t === 0) return this.groups.map((g) => g.lr * s);
    if (t > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }
}

export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak rate, or one per group. */
  maxLr: number | readonly number[];
  /** Length of the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the rate (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's beta1) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Ramp up, ramp back down to initialLr, then anneal to minLr (default: up, then anneal). */
  threePhase?: boolean;
}

/** One phase of the cycle; values name group keys (PyTorch's _schedule_phases). */
interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/**
 * The 1cycle policy (Smith & Topin): the rate rises from maxLr / divFactor to maxLr, then
 * anneals far below the start, while momentum does the opposite. Step once per batch.
 *
 * @example
 * const sched = new kiln.optim.OneCycleLR(opt, { maxLr: 0.01, epochs: 10, stepsPerEpoch: batches });
 * // after each batch: opt.step(); sched.step();
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  schedulePhases: Phase[];

  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    super(OneCycleLR.prepare(optimizer, opts), opts.lastEpoch);
    this.totalSteps = OneCycleLR.totalStepsOf(opts);
    const pct = opts.pctStart ?? 0.3;
    const total = this.totalSteps;
    this.schedulePhases = opts.threePhase
      ? [
          { end_step: pct * total - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
          { end_step: 2 * pct * total - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
          { end_step: total - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
        ]
      : [
          { end_step: pct * total - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
          { end_step: total - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        ];
    this.annealStrategy = opts.annealStrategy ?? 'cos';
    this.cycleMomentum = opts.cycleMomentum ?? true;
    this.useBeta1 = 'betas' in optimizer.defaults;
    this.initialStep();
  }

  private static totalStepsOf(opts: OneCycleLROptions): number {
    const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
    if (opts.totalSteps !== undefined) {
      if (!positiveInt(opts.totalSteps)) throw new KilnError(`Expected positive integer total_steps, but got ${opts.totalSteps}`);
      return opts.totalSteps;
    }
    if (opts.epochs === undefined && opts.stepsPerEpoch === undefined)
      throw new KilnError('You must define either totalSteps OR (epochs AND stepsPerEpoch)');
    if (!positiveInt(opts.epochs)) throw new KilnError(`Expected positive integer epochs, but got ${opts.epochs}`);
    if (!positiveInt(opts.stepsPerEpoch)) throw new KilnError(`Expected positive integer steps_per_epoch, but got ${opts.stepsPerEpoch}`);
    return opts.epochs! * opts.stepsPerEpoch!;
  }

  // Validates the options and writes the cycle's rates (and momenta) into the groups, before
  // the base constructor reads initialLr from them.
  private static prepare(optimizer: AnyOptimizer, opts: OneCycleLROptions): AnyOptimizer {
    checkOptimizer(optimizer);
    OneCycleLR.totalStepsOf(opts);
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new KilnError(`Expected float between 0 and 1 pct_start, but got ${pct}`);
    const strategy = opts.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear')
      throw new KilnError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${String(strategy)}`);
    const lastEpoch = opts.lastEpoch ?? -1;
    const maxLrs = perGroup('max_lr', optimizer, opts.maxLr);
    const divFactor = opts.divFactor ?? 25;
    const finalDivFactor = opts.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    if (opts.cycleMomentum ?? true) {
      const defaults = optimizer.defaults as object;
      if (!('momentum' in defaults) && !('betas' in defaults))
        throw new KilnError('optimizer must support momentum with `cycleMomentum` option enabled');
      const useBeta1 = 'betas' in defaults;
      const maxM = perGroup('max_momentum', optimizer, opts.maxMomentum ?? 0.95);
      const baseM = perGroup('base_momentum', optimizer, opts.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        optimizer.paramGroups.forEach((g, i) => {
          setMomentum(g, useBeta1, maxM[i]);
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    return optimizer;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new KilnError(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    const phases = this.schedulePhases;
    return this.groups.map((group) => {
      const values = group as unknown as Record<string, number>;
      const key = (name: string): number => values[toCamel(name)];
      let startStep = 0;
      let lr = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        if (stepNum <= phase.end_step || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.end_step - startStep);
          lr = this.anneal(key(phase.start_lr), key(phase.end_lr), pct);
          if (this.cycleMomentum) setMomentum(group, this.useBeta1, this.anneal(key(phase.start_momentum), key(phase.end_momentum), pct));
          break;
        }
        startStep = phase.end_step;
      }
      return lr;
    });
  }
}

function setMomentum(group: Group, useBeta1: boolean, m: number): void {
  const g = group as unknown as { betas?: number[]; momentum?: number };
  if (useBeta1) g.betas = [m, ...(g.betas ?? []).slice(1)];
  else g.momentum = m;
}

export interface ReduceLROnPlateauOptions {
  /** 'min': lower metrics are better (a loss); 'max': higher (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr * factor (default 0.1). */
  factor?: number;
  /** Steps without improvement before a reduction (default 10). */
  patience?: number;
  /** How much better counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': relative to the best so far; 'abs': absolute. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the learning rates by `factor` once a metric has stopped improving for `patience`
 * steps. Pass the metric to every `step`.
 *
 * @example
 * const sched = new kiln.optim.ReduceLROnPlateau(opt, { mode: 'min', patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  protected lastLr: number[];

  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    this.factor = opts.factor ?? 0.1;
    if (this.factor >= 1) throw new KilnError('Factor should be < 1.0.');
    this.minLrs = perGroup('min_lr', optimizer, opts.minLr ?? 0);
    this.patience = opts.patience ?? 10;
    this.cooldown = opts.cooldown ?? 0;
    this.mode = opts.mode ?? 'min';
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max') throw new KilnError(`mode ${String(this.mode)} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new KilnError(`threshold mode ${String(this.thresholdMode)} is unknown!`);
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.eps = opts.eps ?? 1e-8;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records this step's metric (a number or a one-element tensor) and reduces rates if due. */
  step(metrics: number | Tensor): void {
    const current = metrics instanceof Tensor ? Number(metrics.item()) : Number(metrics);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad steps during the cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): SchedulerStateDict {
    return saveFields(this);
  }

  loadStateDict(dict: SchedulerStateDict): void {
    loadFields(this, dict);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }
}
