// SPDX-License-Identifier: MIT
/**
 * Graph nodes. Every op output that needs a gradient points at the Node that made it; a Node
 * holds its backward closure, what it saved from the forward pass, and one edge per tensor
 * input (the input's own node, an AccumulateGrad node for a leaf, or null when the input
 * needs no gradient).
 */
import { AutogradError } from '../errors';
import { Tensor } from '../tensor/tensor';

export type GradHook = (grad: Tensor) => Tensor | void;

/** The saved state a backward formula reads, checked against in-place changes. */
export interface SavedTensor {
  tensor: Tensor;
  version: number;
}

export class Node {
  /** Hooks on the gradient flowing into this node (registered through a non-leaf tensor). */
  readonly preHooks: GradHook[] = [];
  /** Non-leaf tensors whose .grad should be kept (retainGrad), as weak references. */
  retained: WeakRef<Tensor> | null = null;
  private released = false;

  constructor(
    readonly name: string,
    readonly next: ReadonlyArray<Node | null>,
    private backwardFn: ((grad: Tensor) => ReadonlyArray<Tensor | null | undefined>) | null,
    private saved: SavedTensor[] = [],
  ) {}

  /** Gradients for each input edge, given the gradient of this node's output. */
  apply(grad: Tensor): ReadonlyArray<Tensor | null | undefined> {
    if (this.released || this.backwardFn === null)
      throw new AutogradError(
        `${this.name}: trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ` +
          'Saved intermediate values of the graph are freed when you call backward(); pass {retainGraph: true} if you need to backward through it again.',
      );
    for (const s of this.saved) {
      if (s.tensor.isDisposed)
        throw new AutogradError(`${this.name}: a tensor saved for backward was disposed before backward() ran`);
      if (s.tensor.storage.version !== s.version)
        throw new AutogradError(
          `${this.name}: one of the tensors needed for gradient computation has been modified by an in-place operation ` +
            `(its version is ${s.tensor.storage.version}, expected ${s.version})`,
        );
    }
    return this.backwardFn(grad);
  }

  /** Drops the saved tensors and closure so the graph's memory can go (backward without retainGraph). */
  release(): void {
    this.released = true;
    this.backwardFn = null;
    this.saved = [];
  }
}

/** The sink for a leaf tensor that requires grad: backward adds into `variable.grad`. */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', [], null);
  }

  override release(): void {
    // Leaves outlive graphs: nothing to free.
  }
}

const accumulators = new WeakMap<Tensor, AccumulateGrad>();

/** The one AccumulateGrad node of a leaf (created on first use). */
export function accumulatorOf(leaf: Tensor): AccumulateGrad {
  let acc = accumulators.get(leaf);
  if (!acc) {
    acc = new AccumulateGrad(leaf);
    accumulators.set(leaf, acc);
  }
  return acc;
}

/** The edge backward follows into `t`: its node, its leaf accumulator, or null. */
export function edgeOf(t: Tensor): Node | null {
  if (!t.requiresGrad) return null;
  return t.gradFn ? (t.gradFn as Node) : accumulatorOf(t);
}
