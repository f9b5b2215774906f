// SPDX-License-Identifier: MIT
/** Adagrad, with learning-rate decay and weight decay (torch.optim.Adagrad). */
import { addcdiv, addcmul } from '../ops/math';
import { Tensor } from '../tensor/tensor';
import { adagradFused, AdagradScalars, fusable } from './fused';
import { checkOption, Optimizer, ParamGroup, ParamsArg } from './optimizer';

export interface AdagradGroupOptions {
  lr: number;
  /** The step size decays as lr / (1 + (step - 1) * lrDecay). */
  lrDecay: number;
  weightDecay: number;
  /** Starting value of every element's sum of squared gradients. */
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export interface AdagradOptions extends Partial<AdagradGroupOptions> {
  /** Use the fused native update where the tensors allow it (default true). */
  fused?: boolean;
}

/**
 * Adagrad, step for step as PyTorch 1.13 computes it: `sum += grad^2`, then
 * `param -= clr * grad / (sqrt(sum) + eps)`. As in PyTorch, the state (step 0 and the sum
 * at initialAccumulatorValue) exists from construction. Defaults: lr 1e-2, eps 1e-10.
 *
 * @example
 * const opt = new kiln.optim.Adagrad(params, { lr: 0.1, lrDecay: 1e-4 });
 */
export class Adagrad extends Optimizer<AdagradGroupOptions> {
  /** Whether steps use the fused native update where possible. */
  readonly fused: boolean;

  constructor(params: ParamsArg<AdagradGroupOptions>, opts: AdagradOptions = {}) {
    super(params, {
      lr: opts.lr ?? 1e-2,
      lrDecay: opts.lrDecay ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      initialAccumulatorValue: opts.initialAccumulatorValue ?? 0,
      eps: opts.eps ?? 1e-10,
      maximize: opts.maximize ?? false,
    });
    this.fused = opts.fused ?? true;
    for (const group of this.paramGroups) for (const p of group.params) this.initState(p, group);
  }

  protected override checkGroup(g: ParamGroup<AdagradGroupOptions>): void {
    checkOption(g.lr >= 0, 'learning rate', g.lr);
    checkOption(g.lrDecay >= 0, 'lr_decay value', g.lrDecay);
    checkOption(g.weightDecay >= 0, 'weight_decay value', g.weightDecay);
    checkOption(g.initialAccumulatorValue >= 0, 'initial_accumulator_value value', g.initialAccumulatorValue);
    checkOption(g.eps >= 0, 'epsilon value', g.eps);
  }

  private initState(p: Tensor, group: ParamGroup<AdagradGroupOptions>): void {
    const state = this.stateOf(p);
    if (state.step !== undefined) return;
    state.step = 0;
    state.sum = this.newBuffer(p, group.initialAccumulatorValue);
  }

  protected updateGroup(group: ParamGroup<AdagradGroupOptions>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    for (const p of group.params) {
      const grad = this.gradOf(p);
      if (grad === null) continue;
      // Groups added after construction get their state at their first step.
      this.initState(p, group);
      const state = this.stateOf(p);
      const step = (state.step as number) + 1;
      state.step = step;
      const sum = state.sum as Tensor;
      const s: AdagradScalars = { clr: lr / (1 + (step - 1) * lrDecay), weightDecay, eps, maximize };
      if (this.fused && fusable(p, grad, [sum])) adagradFused(p, grad, sum, s);
      else composed(p, grad, sum, s);
    }
  }
}

/** PyTorch's _single_tensor_adagrad (dense gradients) for one parameter, with kiln ops. */
function composed(p: Tensor, grad: Tensor, sum: Tensor, s: AdagradScalars): void {
  let g = s.maximize ? grad.neg() : grad;
  if (s.weightDecay !== 0) g = g.add(p, { alpha: s.weightDecay });
  sum.copy_(addcmul(sum, g, g, { value: 1 }));
  const std = sum.sqrt().add_(s.eps);
  p.copy_(addcdiv(p, g, std, { value: -s.clr }));
}
