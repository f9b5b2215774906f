// SPDX-License-Identifier: MIT
/** Adam and AdamW (torch.optim.Adam, torch.optim.AdamW), with AMSGrad and maximize. */
import { addcdiv, addcmul } from '../ops/math';
import { Tensor } from '../tensor/tensor';
import { adamFused, AdamScalars, fusable } from './fused';
import { checkOption, Optimizer, ParamGroup, ParamsArg } from './optimizer';

export interface AdamGroupOptions {
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square. */
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Normalise by the largest second moment seen so far (AMSGrad). */
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamOptions extends Partial<AdamGroupOptions> {
  /** Use the fused native update where the tensors allow it (default true). */
  fused?: boolean;
}

/** Adam and AdamW differ only in how weight decay enters the step. */
abstract class AdamFamily extends Optimizer<AdamGroupOptions> {
  /** Whether steps use the fused native update where possible. */
  readonly fused: boolean;

  protected constructor(
    params: ParamsArg<AdamGroupOptions>,
    opts: AdamOptions,
    defaultWeightDecay: number,
    /** AdamW: the parameter decays by lr * weightDecay; else weightDecay * param joins the gradient. */
    private readonly decoupled: boolean,
  ) {
    super(params, {
      lr: opts.lr ?? 1e-3,
      betas: opts.betas ?? [0.9, 0.999],
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? defaultWeightDecay,
      amsgrad: opts.amsgrad ?? false,
      maximize: opts.maximize ?? false,
    });
    this.fused = opts.fused ?? true;
  }

  protected override checkGroup(g: ParamGroup<AdamGroupOptions>): void {
    checkOption(g.lr >= 0, 'learning rate', g.lr);
    checkOption(g.eps >= 0, 'epsilon value', g.eps);
    checkOption(Array.isArray(g.betas) && g.betas.length === 2, 'betas', g.betas);
    checkOption(g.betas[0] >= 0 && g.betas[0] < 1, 'beta parameter at index 0', g.betas[0]);
    checkOption(g.betas[1] >= 0 && g.betas[1] < 1, 'beta parameter at index 1', g.betas[1]);
    checkOption(g.weightDecay >= 0, 'weight_decay value', g.weightDecay);
  }

  protected updateGroup(group: ParamGroup<AdamGroupOptions>): void {
    const [beta1, beta2] = group.betas;
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    for (const p of group.params) {
      const grad = this.gradOf(p);
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.exp_avg = this.newBuffer(p);
        state.exp_avg_sq = this.newBuffer(p);
        if (amsgrad) state.max_exp_avg_sq = this.newBuffer(p);
      }
      // A group switched to amsgrad after its first steps starts its maximum now.
      if (amsgrad && !(state.max_exp_avg_sq instanceof Tensor)) state.max_exp_avg_sq = this.newBuffer(p);
      const step = (state.step as number) + 1;
      state.step = step;
      const expAvg = state.exp_avg as Tensor;
      const expAvgSq = state.exp_avg_sq as Tensor;
      const maxSq = amsgrad ? (state.max_exp_avg_sq as Tensor) : null;
      const s: AdamScalars = {
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        stepSize: lr / (1 - beta1 ** step),
        biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
        decoupled: this.decoupled,
        amsgrad,
        maximize,
      };
      if (this.fused && fusable(p, grad, [expAvg, expAvgSq, maxSq])) adamFused(p, grad, expAvg, expAvgSq, maxSq, s);
      else composed(p, grad, expAvg, expAvgSq, maxSq, s);
    }
  }
}

/** PyTorch's _single_tensor_adam / _single_tensor_adamw for one parameter, with kiln ops. */
function composed(p: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxSq: Tensor | null, s: AdamScalars): void {
  let g = s.maximize ? grad.neg() : grad;
  if (s.decoupled) p.mul_(1 - s.lr * s.weightDecay);
  else if (s.weightDecay !== 0) g = g.add(p, { alpha: s.weightDecay });
  expAvg.mul_(s.beta1).add_(g, { alpha: 1 - s.beta1 });
  expAvgSq.mul_(s.beta2);
  expAvgSq.copy_(addcmul(expAvgSq, g, g, { value: 1 - s.beta2 }));
  let denom: Tensor;
  if (maxSq !== null) {
    maxSq.maximum_(expAvgSq);
    denom = maxSq.sqrt().div_(s.biasCorrection2Sqrt).add_(s.eps);
  } else {
    denom = expAvgSq.sqrt().div_(s.biasCorrection2Sqrt).add_(s.eps);
  }
  p.copy_(addcdiv(p, expAvg, denom, { value: -s.stepSize }));
}

/**
 * Adam (Kingma & Ba), step for step as PyTorch 1.13 computes it. Weight decay adds
 * `weightDecay * param` to the gradient (L2 regularisation); see AdamW for decoupled decay.
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0.
 *
 * @example
 * const opt = new kiln.optim.Adam([w, b], { lr: 1e-2 });
 * for (let i = 0; i < 100; i++) {
 *   opt.zeroGrad();
 *   w.mul(x).add(b).sub(y).square().mean().backward();
 *   opt.step();
 * }
 */
export class Adam extends AdamFamily {
  constructor(params: ParamsArg<AdamGroupOptions>, opts: AdamOptions = {}) {
    super(params, opts, 0, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, which multiplies the
 * parameter by `1 - lr * weightDecay` before the Adam update. Default weightDecay 1e-2.
 *
 * @example
 * const opt = new kiln.optim.AdamW(params, { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends AdamFamily {
  constructor(params: ParamsArg<AdamGroupOptions>, opts: AdamOptions = {}) {
    super(params, opts, 1e-2, true);
  }
}
