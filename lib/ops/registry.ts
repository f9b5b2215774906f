// SPDX-License-Identifier: MIT
/**
 * defineOp: every public op is declared once, with its forward and, for differentiable
 * primitives, its backward formula beside it. The declaration records the op for the test
 * op database, and wraps the forward so that autograd records a graph node when grad mode is
 * on and an input requires grad.
 *
 * Differentiable ops are either primitives (they give `backward`; their forward runs with
 * recording off) or composites (`composite: true`; built from other ops, whose nodes record
 * the gradient). A test fails when a differentiable op is neither.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode';
import { edgeOf, Node, SavedTensor } from '../autograd/node';
import { AutogradError } from '../errors';
import { isFloating } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';

export type OpFamily = 'unary' | 'binary' | 'ternary' | 'reduce' | 'matmul' | 'view' | 'index' | 'creation' | 'convert' | 'join';

/** What a backward formula sees: the forward's arguments, its output, and what `save` kept. */
export interface BackwardContext<A extends unknown[]> {
  args: A;
  out: Tensor;
}

export type ArgGrad = Tensor | null | undefined | ReadonlyArray<Tensor | null | undefined>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;

export interface OpSpec<F extends AnyFn> {
  name: string;
  family: OpFamily;
  /** Whether gradients flow through this op. */
  differentiable: boolean;
  /** Differentiable through its implementation (built from other recorded ops). */
  composite?: boolean;
  forward: F;
  /**
   * The gradient for each argument, by position (an array of gradients for an array of
   * tensors), given the gradient of the output. Entries for non-tensor arguments, and for
   * inputs that get no gradient, are null or left out. Written with kiln ops, so it runs on
   * any device.
   */
  backward?: (grad: Tensor, ctx: BackwardContext<Parameters<F>>) => ReadonlyArray<ArgGrad>;
  /** Tensors the backward reads (checked for in-place changes before it runs); default: none. */
  save?: (args: Parameters<F>, out: Tensor) => Tensor[];
}

interface OpInfo {
  name: string;
  family: OpFamily;
  differentiable: boolean;
  composite: boolean;
  hasBackward: boolean;
}

const REGISTRY = new Map<string, OpInfo>();

/** The tensors among an op's arguments, in order (arrays of tensors are flattened). */
function tensorInputs(args: readonly unknown[]): Tensor[] {
  const out: Tensor[] = [];
  for (const a of args) {
    if (a instanceof Tensor) out.push(a);
    else if (Array.isArray(a)) for (const b of a) if (b instanceof Tensor) out.push(b);
  }
  return out;
}

/** Whether a tensor among the arguments requires grad (without collecting them: a hot path). */
function anyRequiresGrad(args: readonly unknown[]): boolean {
  for (const a of args) {
    if (a instanceof Tensor) {
      if (a.requiresGrad) return true;
    } else if (Array.isArray(a)) {
      for (const b of a) if (b instanceof Tensor && b.requiresGrad) return true;
    }
  }
  return false;
}

/**
 * Whether an op called now with these arguments is recorded: grad mode is on and a tensor
 * among them requires grad. Composites use it to pick a differentiable path.
 */
export function willRecord(...args: unknown[]): boolean {
  return isGradEnabled() && anyRequiresGrad(args);
}

/** Declares an op once; returns its (autograd-aware) function. */
export function defineOp<F extends AnyFn>(spec: OpSpec<F>): F {
  if (REGISTRY.has(spec.name)) throw new Error(`op ${spec.name} declared twice`);
  REGISTRY.set(spec.name, {
    name: spec.name,
    family: spec.family,
    differentiable: spec.differentiable,
    composite: spec.composite ?? false,
    hasBackward: spec.backward !== undefined,
  });
  const { backward, save, forward, name } = spec;
  if (!spec.differentiable || !backward) return forward;

  const nodeName = `${capitalize(name)}Backward`;
  const recorded = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    if (!isGradEnabled() || !anyRequiresGrad(args)) return forward(...args);
    const inputs = tensorInputs(args);
    const out = noGrad(() => forward(...args)) as Tensor;
    if (!(out instanceof Tensor)) throw new AutogradError(`${name}: a primitive with a backward must return one tensor`);
    if (!isFloating(out.dtype)) return out as ReturnType<F>;
    const saved: SavedTensor[] = (save ? save(args, out) : []).map((t) => ({ tensor: t, version: t.storage.version }));
    const ctx: BackwardContext<Parameters<F>> = { args, out };
    const node = new Node(nodeName, inputs.map(edgeOf), (grad) => gradsForInputs(args, backward(grad, ctx)), saved);
    // The output may be the input itself (ops that return their argument unchanged): give it
    // its own tensor object so the input's graph position is kept.
    const result = inputs.includes(out) ? out.asStrided(out.shape, out.strides) : out;
    result.requiresGrad = true;
    result.gradFn = node;
    return result as ReturnType<F>;
  };
  return recorded as unknown as F;
}

/**
 * Brings a formula's gradient to its input's shape and dtype: sums broadcast dims away and
 * converts dtype (a float32 input of a float64 result gets a float32 gradient). Installed by
 * autograd-api.ts, since the ops it needs are declared with this module.
 */
let fitGrad: (grad: Tensor, input: Tensor) => Tensor = (g) => g;

export function setGradFitter(fn: (grad: Tensor, input: Tensor) => Tensor): void {
  fitGrad = fn;
}

/** Lines up per-argument gradients with tensorInputs(args), fitted to each input. */
function gradsForInputs(args: readonly unknown[], grads: ReadonlyArray<ArgGrad>): Array<Tensor | null> {
  const out: Array<Tensor | null> = [];
  const push = (input: Tensor, g: unknown) => out.push(g instanceof Tensor && input.requiresGrad ? fitGrad(g, input) : null);
  args.forEach((a, i) => {
    const g = grads[i];
    if (a instanceof Tensor) push(a, g);
    else if (Array.isArray(a))
      a.forEach((b, j) => {
        if (b instanceof Tensor) push(b, Array.isArray(g) ? (g as ReadonlyArray<Tensor | null | undefined>)[j] : null);
      });
  });
  return out;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Every declared op, for tests and documentation. */
export function registeredOps(): ReadonlyArray<OpInfo> {
  return [...REGISTRY.values()];
}
