// SPDX-License-Identifier: MIT
/**
 * The user-facing autograd calls that need ops: tensor.backward(), autograd.grad(),
 * retainGrad, hooks, detach. Also hands the engine the few ops it uses.
 */
import { BackwardOptions, registerHook, runBackward, setEngineOps } from '../autograd/engine';
import { GradHook, Node } from '../autograd/node';
import { AutogradError, DTypeError } from '../errors';
import { isFloating } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { clone, to } from './convert';
import { sumToShape } from './grad-utils';
import { setGradFitter } from './registry';
import { onesLike } from './creation';
import { add } from './math';
import { runBinary } from './elementwise';

setGradFitter((g, input) => {
  const shaped = sumToShape(g, input.shape);
  return shaped.dtype === input.dtype ? shaped : to(shaped, input.dtype);
});

setEngineOps({
  add: (a, b) => add(a, b),
  onesLike: (t) => onesLike(t),
  clone: (t) => clone(t),
  addInPlace: (a, b) => {
    runBinary('add', 'add_', a, b, 1, true);
  },
});

/** Computes gradients of `t` (a scalar, or pass `gradient`) and accumulates them into leaves' .grad. */
export function backward(t: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  runBackward([t], [gradient], opts);
}

export interface GradOptions extends BackwardOptions {
  /** Gradients of the outputs (default: ones for scalar outputs). */
  gradOutputs?: ReadonlyArray<Tensor | undefined>;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned instead of accumulated into .grad.
 *
 * @example
 * const [dx] = kiln.autograd.grad(x.pow(2).sum(), [x]); // 2 * x
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: readonly Tensor[], opts: GradOptions = {}): Array<Tensor | null> {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const captured = runBackward(outs, opts.gradOutputs ?? [], opts, inputs);
  return inputs.map((t, i) => {
    const g = captured.get(t);
    if (g) return g;
    if (opts.allowUnused) return null;
    throw new AutogradError(`grad: input ${i} was not used in the graph of the outputs; pass {allowUnused: true} to get null for it`);
  });
}

declare module '../tensor/tensor' {
  interface Tensor {
    /** Computes gradients of this tensor and accumulates them into the leaves' .grad. */
    backward(gradient?: Tensor, opts?: BackwardOptions): void;
    /** Keeps .grad on this non-leaf tensor after backward. */
    retainGrad(): void;
    /** Calls `hook(grad)` with this tensor's gradient during backward; it may return a replacement. */
    registerHook(hook: GradHook): { remove(): void };
    /** A view of the same data, cut from the graph. */
    detach(): Tensor;
    /** Sets requiresGrad in place (floating dtypes only); returns this. */
    requiresGrad_(requiresGrad?: boolean): Tensor;
    /** Whether .grad will be kept on this non-leaf tensor. */
    readonly retainsGrad: boolean;
  }
}

function define(name: string, value: unknown): void {
  Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true, enumerable: false });
}

define('backward', function (this: Tensor, gradient?: Tensor, opts?: BackwardOptions) {
  backward(this, gradient, opts);
});
define('retainGrad', function (this: Tensor) {
  if (!this.requiresGrad) throw new AutogradError("retainGrad: can't retain the gradient of a tensor that doesn't require grad");
  if (this.gradFn) (this.gradFn as Node).retained = new WeakRef(this);
});
define('registerHook', function (this: Tensor, hook: GradHook) {
  return registerHook(this, hook);
});
define('detach', function (this: Tensor) {
  return this.asStrided(this.shape, this.strides);
});
define('requiresGrad_', function (this: Tensor, on = true) {
  if (on && !isFloating(this.dtype))
    throw new DTypeError(`requiresGrad_: only tensors of floating point dtype can require gradients, got ${this.dtype}`);
  if (!on && this.gradFn) throw new AutogradError('requiresGrad_: you can only change requiresGrad of leaf tensors; use detach()');
  this.requiresGrad = on;
  return this;
});
Object.defineProperty(Tensor.prototype, 'retainsGrad', {
  get(this: Tensor) {
    return this.gradFn !== null && (this.gradFn as Node).retained?.deref() === this;
  },
  configurable: true,
});

