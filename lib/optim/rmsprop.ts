// SPDX-License-Identifier: MIT
/** RMSprop, plain or centered, with momentum and weight decay (torch.optim.RMSprop). */
import { addcdiv, addcmul } from '../ops/math';
import { Tensor } from '../tensor/tensor';
import { fusable, rmspropFused, RmspropScalars } from './fused';
import { checkOption, Optimizer, ParamGroup, ParamsArg } from './optimizer';

export interface RMSpropGroupOptions {
  lr: number;
  /** Smoothing constant of the running average of squared gradients. */
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Normalise by an estimate of the gradient's variance instead of its second moment. */
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropOptions extends Partial<RMSpropGroupOptions> {
  /** Use the fused native update where the tensors allow it (default true). */
  fused?: boolean;
}

/**
 * RMSprop, step for step as PyTorch 1.13 computes it: `square_avg = alpha * square_avg +
 * (1 - alpha) * grad^2`, then `param -= lr * grad / (sqrt(square_avg) + eps)` (through a
 * momentum buffer when momentum > 0). Defaults: lr 1e-2, alpha 0.99, eps 1e-8.
 *
 * @example
 * const opt = new kiln.optim.RMSprop(params, { lr: 1e-3, momentum: 0.9, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropGroupOptions> {
  /** Whether steps use the fused native update where possible. */
  readonly fused: boolean;

  constructor(params: ParamsArg<RMSpropGroupOptions>, opts: RMSpropOptions = {}) {
    super(params, {
      lr: opts.lr ?? 1e-2,
      alpha: opts.alpha ?? 0.99,
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
      momentum: opts.momentum ?? 0,
      centered: opts.centered ?? false,
      maximize: opts.maximize ?? false,
    });
    this.fused = opts.fused ?? true;
  }

  protected override checkGroup(g: ParamGroup<RMSpropGroupOptions>): void {
    checkOption(g.lr >= 0, 'learning rate', g.lr);
    checkOption(g.eps >= 0, 'epsilon value', g.eps);
    checkOption(g.momentum >= 0, 'momentum value', g.momentum);
    checkOption(g.weightDecay >= 0, 'weight_decay value', g.weightDecay);
    checkOption(g.alpha >= 0, 'alpha value', g.alpha);
  }

  protected updateGroup(group: ParamGroup<RMSpropGroupOptions>): void {
    const s: RmspropScalars = {
      lr: group.lr,
      alpha: group.alpha,
      eps: group.eps,
      weightDecay: group.weightDecay,
      momentum: group.momentum,
      centered: group.centered,
      maximize: group.maximize,
    };
    for (const p of group.params) {
      const grad = this.gradOf(p);
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.square_avg = this.newBuffer(p);
        if (s.momentum > 0) state.momentum_buffer = this.newBuffer(p);
        if (s.centered) state.grad_avg = this.newBuffer(p);
      }
      // Options switched on after the first steps start their buffers now.
      if (s.momentum > 0 && !(state.momentum_buffer instanceof Tensor)) state.momentum_buffer = this.newBuffer(p);
      if (s.centered && !(state.grad_avg instanceof Tensor)) state.grad_avg = this.newBuffer(p);
      state.step = (state.step as number) + 1;
      const squareAvg = state.square_avg as Tensor;
      const gradAvg = s.centered ? (state.grad_avg as Tensor) : null;
      const buf = s.momentum > 0 ? (state.momentum_buffer as Tensor) : null;
      if (this.fused && fusable(p, grad, [squareAvg, gradAvg, buf])) rmspropFused(p, grad, squareAvg, gradAvg, buf, s);
      else composed(p, grad, squareAvg, gradAvg, buf, s);
    }
  }
}

/** PyTorch's _single_tensor_rmsprop for one parameter, with kiln ops. */
function composed(p: Tensor, grad: Tensor, squareAvg: Tensor, gradAvg: Tensor | null, buf: Tensor | null, s: RmspropScalars): void {
  let g = s.maximize ? grad.neg() : grad;
  if (s.weightDecay !== 0) g = g.add(p, { alpha: s.weightDecay });
  squareAvg.mul_(s.alpha);
  squareAvg.copy_(addcmul(squareAvg, g, g, { value: 1 - s.alpha }));
  let avg: Tensor;
  if (gradAvg !== null) {
    gradAvg.mul_(s.alpha).add_(g, { alpha: 1 - s.alpha });
    avg = addcmul(squareAvg, gradAvg, gradAvg, { value: -1 }).sqrt_();
  } else {
    avg = squareAvg.sqrt();
  }
  avg.add_(s.eps);
  if (buf !== null) {
    buf.mul_(s.momentum);
    buf.copy_(addcdiv(buf, g, avg));
    p.add_(buf, { alpha: -s.lr });
  } else {
    p.copy_(addcdiv(p, g, avg, { value: -s.lr }));
  }
}
