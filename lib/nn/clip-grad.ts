// SPDX-License-Identifier: MIT
/** Gradient clipping (torch.nn.utils.clip_grad_norm_ and clip_grad_value_), in place on .grad. */
import { noGrad } from '../autograd/grad-mode';
import { KilnError } from '../errors';
import { tensor } from '../ops/creation';
import { stack } from '../ops/join';
import { add, clamp, mul, reciprocal } from '../ops/math';
import '../ops/methods';
import { amax, norm } from '../ops/reduce';
import { scope } from '../tensor/memory';
import { Tensor } from '../tensor/tensor';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
}

function gradsOf(parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const params = parameters instanceof Tensor ? [parameters] : Array.from(parameters);
  const grads: Tensor[] = [];
  for (const p of params) {
    const g = p.peekGrad(); // scaled in place here, never kept
    if (g !== null) grads.push(g);
  }
  return grads;
}

/**
 * Scales the gradients of `parameters` in place so that their joint norm (as if all were
 * concatenated into one vector) is at most `maxNorm`, and returns that norm before clipping.
 * `normType` is any p (2 by default) or 'inf'. As in PyTorch, the gradients are multiplied by
 * min(1, maxNorm / (norm + 1e-6)) even when that is 1.
 *
 * @example
 * loss.backward();
 * const total = kiln.nn.utils.clipGradNorm_(params, 1.0);
 * opt.step();
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType: number | 'inf' = 2,
  opts: ClipGradNormOptions = {},
): Tensor {
  const grads = gradsOf(parameters);
  const p = normType === 'inf' ? Infinity : Number(normType);
  if (grads.length === 0) return tensor(0, { dtype: 'float32' });
  return noGrad(() =>
    scope(() => {
      let total: Tensor;
      if (p === Infinity) {
        const maxima = grads.map((g) => amax(g.abs()));
        total = maxima.length === 1 ? maxima[0] : amax(stack(maxima));
      } else {
        total = norm(stack(grads.map((g) => norm(g, p))), p);
      }
      if (opts.errorIfNonfinite && !Number.isFinite(Number(total.item())))
        throw new KilnError(
          `clipGradNorm_: the total norm of order ${p} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
            'To disable this error and scale the gradients by the non-finite norm anyway, set {errorIfNonfinite: false}',
        );
      // PyTorch evaluates `max_norm / (total_norm + 1e-6)` as reciprocal(...) * max_norm.
      const coef = clamp(mul(reciprocal(add(total, 1e-6)), maxNorm), null, 1.0);
      for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}

/**
 * Clamps every gradient element of `parameters` to [-clipValue, clipValue], in place.
 *
 * @example
 * kiln.nn.utils.clipGradValue_(params, 0.5);
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const v = Number(clipValue);
  const grads = gradsOf(parameters);
  noGrad(() => {
    for (const g of grads) g.clamp_(-v, v);
  });
}
