// SPDX-License-Identifier: MIT
/**
 * The backward pass: finds the nodes reachable from the outputs, runs them in dependency
 * order (each node once, after all gradients into it have been summed), accumulates into
 * leaves' .grad, and frees the graph unless asked to keep it.
 */
import { AutogradError } from '../errors';
import { keep } from '../tensor/memory';
import { nextStorageSerial, Storage } from '../tensor/storage';
import { Tensor } from '../tensor/tensor';
import { noGrad, enableGrad } from './grad-mode';
import { AccumulateGrad, edgeOf, GradHook, Node } from './node';

/** The few ops the engine needs, supplied by lib/ops (which sits above this layer). */
export interface EngineOps {
  add(a: Tensor, b: Tensor): Tensor;
  onesLike(t: Tensor): Tensor;
  clone(t: Tensor): Tensor;
  addInPlace(a: Tensor, b: Tensor): void;
}

let ops: EngineOps | null = null;

export function setEngineOps(o: EngineOps): void {
  ops = o;
}

function engineOps(): EngineOps {
  if (!ops) throw new AutogradError('autograd used before lib/ops was loaded');
  return ops;
}

export interface BackwardOptions {
  /** Keep the graph (and its saved tensors) for another backward pass. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. */
  createGraph?: boolean;
}

/** Hooks registered on leaf tensors run before accumulation. */
const leafHooks = new WeakMap<Tensor, GradHook[]>();

export function registerHook(t: Tensor, hook: GradHook): { remove(): void } {
  if (!t.requiresGrad) throw new AutogradError("registerHook: cannot register a hook on a tensor that doesn't require gradient");
  let list: GradHook[];
  if (t.gradFn) list = (t.gradFn as Node).preHooks;
  else {
    list = leafHooks.get(t) ?? [];
    leafHooks.set(t, list);
  }
  list.push(hook);
  return {
    remove() {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

function runHooks(hooks: readonly GradHook[] | undefined, grad: Tensor): Tensor {
  if (!hooks) return grad;
  let g = grad;
  for (const h of hooks) {
    const r = h(g);
    if (r instanceof Tensor) g = r;
  }
  return g;
}

/** The implicit gradient of a root: ones for a single-element output, else an error. */
function rootGrad(t: Tensor, given: Tensor | undefined): Tensor {
  if (given !== undefined) {
    if (given.shape.length !== t.shape.length || given.shape.some((s, i) => s !== t.shape[i]))
      throw new AutogradError(`backward: gradient has shape [${given.shape.join(', ')}] but the output has shape [${t.shape.join(', ')}]`);
    return given;
  }
  if (t.numel() !== 1)
    throw new AutogradError(`backward: grad can be implicitly created only for scalar outputs (got shape [${t.shape.join(', ')}]); pass a gradient`);
  return engineOps().onesLike(t);
}

/**
 * Runs backward from `roots`. Leaves get gradients added to .grad, unless `capture` is given:
 * then the gradients reaching those tensors are returned instead (autograd.grad), and no
 * .grad anywhere is touched.
 */
export function runBackward(
  roots: readonly Tensor[],
  rootGrads: ReadonlyArray<Tensor | undefined>,
  opts: BackwardOptions = {},
  capture?: readonly Tensor[],
): Map<Tensor, Tensor> {
  const { add } = engineOps();
  const retain = opts.retainGraph ?? opts.createGraph ?? false;
  const createGraph = opts.createGraph ?? false;

  // A leaf without a gradient takes the tensor that reaches it as its .grad, without a copy,
  // when nothing else can hold it: a tensor that went to this leaf only (a formula may hand
  // one tensor to several inputs), over memory made during this pass and given to no other
  // leaf, with no hooks that saw it and no retained non-leaf gradients that may share it.
  // Each leaf accumulates once per pass, so no stolen gradient changes while the pass may
  // still read views of its memory.
  const uses = new Map<Tensor, number>();
  const use = (g: Tensor) => uses.set(g, (uses.get(g) ?? 0) + 1);
  const firstSerial = nextStorageSerial();
  const givenToLeaves = new Set<Storage>();

  // Seed each root's node with its gradient.
  const pending = new Map<Node, Tensor>();
  const addTo = (node: Node, g: Tensor) => {
    const cur = pending.get(node);
    const sum = cur ? add(cur, g) : g;
    use(g);
    if (sum !== g) use(sum);
    pending.set(node, sum);
  };
  const rootNodes: Node[] = [];
  roots.forEach((r, i) => {
    const edge = edgeOf(r);
    if (!edge)
      throw new AutogradError(`backward: element ${i} of tensors does not require grad and does not have a grad_fn`);
    rootNodes.push(edge);
  });

  // Capture points: for autograd.grad, gradients into these tensors are collected, not accumulated.
  const captureByNode = new Map<Node, Tensor>();
  const captured = new Map<Tensor, Tensor>();
  for (const t of capture ?? []) {
    const edge = edgeOf(t);
    if (!edge) throw new AutogradError('grad: one of the differentiated tensors does not require grad');
    captureByNode.set(edge, t);
  }

  // Dependency counts over the reachable graph.
  const deps = new Map<Node, number>();
  const seen = new Set<Node>();
  const stack = [...rootNodes];
  let retainsGrads = false;
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.retained) retainsGrads = true;
    for (const m of n.next) {
      if (!m) continue;
      deps.set(m, (deps.get(m) ?? 0) + 1);
      stack.push(m);
    }
  }

  // With capture, only the nodes on a path to a captured tensor need to run.
  const needed = capture ? nodesLeadingTo(rootNodes, captureByNode) : null;

  const body = () => {
    roots.forEach((r, i) => {
      const g = rootGrad(r, rootGrads[i]);
      use(g); // a root's gradient may be the caller's: never handed to a leaf as it is
      addTo(rootNodes[i], g);
    });
    const ready: Node[] = [...new Set(rootNodes)].filter((n) => (deps.get(n) ?? 0) === 0);
    while (ready.length) {
      const node = ready.pop()!;
      let grad = pending.get(node);
      pending.delete(node);
      const consumers = node.next;
      if (grad !== undefined && (needed === null || needed.has(node))) {
        if (node instanceof AccumulateGrad) {
          grad = runHooks(leafHooks.get(node.variable), grad);
          if (captureByNode.has(node)) captured.set(captureByNode.get(node)!, grad);
          else if (!capture) {
            // (A leaf with hooks is left out: a hook may have kept the tensor it was shown.)
            const owned =
              !retainsGrads &&
              !leafHooks.has(node.variable) &&
              !createGraph &&
              uses.get(grad) === 1 &&
              madeHere(grad, firstSerial) &&
              !givenToLeaves.has(grad.storage);
            if (owned) givenToLeaves.add(grad.storage);
            accumulate(node.variable, grad, createGraph, owned);
          }
        } else {
          grad = runHooks(node.preHooks, grad);
          const kept = capture ? undefined : node.retained?.deref();
          if (kept) kept.grad = kept.grad ? add(kept.grad, grad) : grad;
          if (captureByNode.has(node)) captured.set(captureByNode.get(node)!, grad);
          const inputGrads = node.apply(grad);
          consumers.forEach((next, k) => {
            const g = inputGrads[k];
            if (next && g) addTo(next, g);
          });
        }
      }
      if (!retain) node.release();
      for (const next of consumers) {
        if (!next) continue;
        const left = deps.get(next)! - 1;
        deps.set(next, left);
        if (left === 0) ready.push(next);
      }
    }
  };
  if (opts.createGraph) enableGrad(body);
  else noGrad(body);
  return captured;
}

/** The nodes reachable from `roots` from which a node in `targets` can be reached (iterative DFS). */
function nodesLeadingTo(roots: readonly Node[], targets: ReadonlyMap<Node, unknown>): Set<Node> {
  const needed = new Set<Node>();
  const done = new Set<Node>();
  const stack: Array<{ node: Node; next: number }> = roots.map((node) => ({ node, next: 0 }));
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next === 0 && done.has(top.node)) {
      stack.pop();
      continue;
    }
    if (top.next < top.node.next.length) {
      const m = top.node.next[top.next++];
      if (m && !done.has(m)) stack.push({ node: m, next: 0 });
      continue;
    }
    stack.pop();
    done.add(top.node);
    if (targets.has(top.node) || top.node.next.some((m) => m !== null && needed.has(m))) needed.add(top.node);
  }
  return needed;
}

/**
 * Whether `grad` is a contiguous tensor covering all of a storage created during this pass
 * (other tensors on it are this pass's intermediates).
 */
function madeHere(grad: Tensor, firstSerial: number): boolean {
  const storage = grad.storage;
  return (
    storage.serial >= firstSerial &&
    grad.offset === 0 &&
    grad.isContiguous() &&
    grad.numel() * grad.elementSize() === storage.nbytes
  );
}

/**
 * Adds `grad` into leaf.grad. Gradients outlive any kiln.scope the backward ran in (keep).
 * `owned`: nothing else holds or will read `grad`, so a leaf without a gradient takes it as it
 * is, as PyTorch does, instead of a copy.
 */
function accumulate(leaf: Tensor, grad: Tensor, createGraph: boolean, owned: boolean): void {
  const { add, clone, addInPlace } = engineOps();
  const current = leaf.peekGrad();
  if (!current) {
    // Otherwise copied: backward formulas may hand one tensor to several inputs, and an
    // in-place update of one leaf's .grad must not change another's. Either way the leaf is
    // the gradient's only holder.
    leaf.setOwnedGrad(keep(owned && grad.dtype === leaf.dtype ? grad : clone(grad)));
  } else if (createGraph || current.requiresGrad) {
    leaf.grad = keep(add(current, grad));
  } else {
    // In place, as PyTorch does, so code holding leaf.grad sees the sum.
    addInPlace(current, grad);
  }
}
