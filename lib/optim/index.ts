// SPDX-License-Identifier: MIT
/**
 * kiln.optim: optimizers, learning-rate schedulers and gradient clipping.
 *
 * @example
 * const opt = new kiln.optim.Adam([w, b], { lr: 1e-2 });
 * const sched = new kiln.optim.StepLR(opt, { stepSize: 10, gamma: 0.5 });
 * for (let epoch = 0; epoch < 50; epoch++) {
 *   opt.zeroGrad();
 *   lossOf(w, b).backward();
 *   kiln.nn.utils.clipGradNorm_([w, b], 1.0);
 *   opt.step();
 *   sched.step();
 * }
 */
export { Optimizer, checkOption } from './optimizer';
export type {
  BaseGroupOptions, OptimizerStateDict, ParamGroup, ParamGroupSpec, ParamsArg, ParamState, SchedulerGroupKeys, StateValue,
  ZeroGradOptions,
} from './optimizer';
export { SGD } from './sgd';
export type { SGDGroupOptions, SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamGroupOptions, AdamOptions } from './adam';
export { RMSprop } from './rmsprop';
export type { RMSpropGroupOptions, RMSpropOptions } from './rmsprop';
export { Adagrad } from './adagrad';
export type { AdagradGroupOptions, AdagradOptions } from './adagrad';
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR, ReduceLROnPlateau,
} from './lr-scheduler';
export type {
  SchedulerOptions, SchedulerStateDict, StepLROptions, MultiStepLROptions, ExponentialLROptions, CosineAnnealingLROptions,
  LinearLROptions, OneCycleLROptions, ReduceLROnPlateauOptions,
} from './lr-scheduler';
/** PyTorch's module name for the schedulers: kiln.optim.lrScheduler.StepLR, ... */
export * as lrScheduler from './lr-scheduler';
