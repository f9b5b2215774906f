// SPDX-License-Identifier: MIT
/** Stochastic gradient descent with momentum, Nesterov momentum and weight decay (torch.optim.SGD). */
import { KilnError } from '../errors';
import { keep } from '../tensor/memory';
import { Tensor } from '../tensor/tensor';
import { fusable, sgdFused, SgdScalars } from './fused';
import { checkOption, Optimizer, ParamGroup, ParamsArg } from './optimizer';

export interface SGDGroupOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SGDOptions extends Partial<SGDGroupOptions> {
  /** Use the fused native update where the tensors allow it (default true). */
  fused?: boolean;
}

/**
 * SGD, step for step as PyTorch 1.13 computes it: with momentum the buffer starts as the
 * first gradient, then `buf = momentum * buf + (1 - dampening) * grad`. `lr` has no default
 * (give it here or in every group).
 *
 * @example
 * const opt = new kiln.optim.SGD([w, b], { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class SGD extends Optimizer<SGDGroupOptions> {
  /** Whether steps use the fused native update where possible. */
  readonly fused: boolean;

  constructor(params: ParamsArg<SGDGroupOptions>, opts: SGDOptions = {}) {
    super(params, {
      lr: opts.lr as number, // required: checked per group
      momentum: opts.momentum ?? 0,
      dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      nesterov: opts.nesterov ?? false,
      maximize: opts.maximize ?? false,
    });
    this.fused = opts.fused ?? true;
  }

  protected override checkGroup(g: ParamGroup<SGDGroupOptions>): void {
    checkOption(g.lr >= 0, 'learning rate', g.lr);
    checkOption(g.momentum >= 0, 'momentum value', g.momentum);
    checkOption(g.weightDecay >= 0, 'weight_decay value', g.weightDecay);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new KilnError('Nesterov momentum requires a momentum and zero dampening');
  }

  protected updateGroup(group: ParamGroup<SGDGroupOptions>): void {
    const s: SgdScalars = { ...pick(group), firstStep: false };
    for (const p of group.params) {
      const grad = this.gradOf(p);
      if (grad === null) continue;
      const state = this.stateOf(p);
      let buf = (state.momentum_buffer as Tensor | null | undefined) ?? null;
      if (this.fused && fusable(p, grad, [buf])) {
        s.firstStep = s.momentum !== 0 && buf === null;
        if (s.firstStep) buf = this.newBuffer(p);
        sgdFused(p, grad, s.momentum !== 0 ? buf : null, s);
      } else {
        buf = this.composed(p, grad, buf, s);
      }
      // As in PyTorch, the entry exists (null) even without momentum.
      state.momentum_buffer = buf;
    }
  }

  /** PyTorch's _single_tensor_sgd for one parameter, with kiln ops; returns the buffer. */
  private composed(p: Tensor, grad: Tensor, buf: Tensor | null, s: SgdScalars): Tensor | null {
    let d = s.maximize ? grad.neg() : grad;
    if (s.weightDecay !== 0) d = d.add(p, { alpha: s.weightDecay });
    if (s.momentum !== 0) {
      if (buf === null) buf = keep(d.clone()); // state outlives the step's scope
      else buf.mul_(s.momentum).add_(d, { alpha: 1 - s.dampening });
      d = s.nesterov ? d.add(buf, { alpha: s.momentum }) : buf;
    }
    p.add_(d, { alpha: -s.lr });
    return buf;
  }
}

function pick(g: SGDGroupOptions): Omit<SgdScalars, 'firstStep'> {
  return { lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weightDecay, nesterov: g.nesterov, maximize: g.maximize };
}
