// SPDX-License-Identifier: MIT
/**
 * The optimizer base (torch.optim.Optimizer): parameter groups with per-group options,
 * per-parameter state, zeroGrad, step under noGrad, and state dicts with PyTorch's layout
 * and key names, so a saved optimizer reads like PyTorch's `optimizer.state_dict()`.
 */
import { enableGrad, noGrad } from '../autograd/grad-mode';
import { KilnError, ShapeError } from '../errors';
import { to } from '../ops/convert';
import { fullLike } from '../ops/creation';
import '../ops/methods';
import '../ops/autograd-api';
import { isFloating } from '../tensor/dtype';
import { keep, scope } from '../tensor/memory';
import { sameShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

/** One entry of a parameter's state: a buffer, a count (step), or an absent buffer. */
export type StateValue = Tensor | number | null;
/** A parameter's state, under PyTorch's names (step, exp_avg, momentum_buffer, ...). */
export type ParamState = Record<string, StateValue>;

/** Keys learning-rate schedulers add to groups (PyTorch's initial_lr, max_lr, ...). */
export interface SchedulerGroupKeys {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

/** A parameter group: its tensors and every option of the optimizer. */
export type ParamGroup<O> = O & SchedulerGroupKeys & { params: Tensor[] };

/** A group as given to the constructor or addParamGroup: options left out take the defaults. */
export type ParamGroupSpec<O> = Partial<O> & SchedulerGroupKeys & { params: Iterable<Tensor> | Tensor };

/** What optimizers accept as parameters: tensors (one group) or group specs. */
export type ParamsArg<O> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/** The options every optimizer has. */
export interface BaseGroupOptions {
  lr: number;
}

/**
 * PyTorch's state dict layout: per-parameter state keyed by the parameter's index (counted
 * across groups in order), and the groups' options in snake_case with `params` as indices.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: Array<{ params: number[]; [option: string]: unknown }>;
}

export interface ZeroGradOptions {
  /** Drop the gradients (null) instead of filling them with zeros. Default true. */
  setToNone?: boolean;
}

const toSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
// Option values are numbers, booleans or small arrays (betas); arrays are copied so groups
// never share one with the defaults or with a state dict.
const copyOption = (v: unknown): unknown => (Array.isArray(v) ? v.slice() : v);

/**
 * Base class of the optimizers. Subclasses give their defaults and `updateGroup`, which
 * updates the group's parameters that have a gradient; `step` runs it under noGrad.
 *
 * @example
 * class SignSGD extends Optimizer<{ lr: number }> {
 *   constructor(params: ParamsArg<{ lr: number }>, opts: { lr?: number } = {}) {
 *     super(params, { lr: opts.lr ?? 0.01 });
 *   }
 *   protected updateGroup(group: ParamGroup<{ lr: number }>): void {
 *     for (const p of group.params) if (p.grad) p.sub_(p.grad.sign(), { alpha: group.lr });
 *   }
 * }
 */
export abstract class Optimizer<O extends BaseGroupOptions = BaseGroupOptions> {
  /** Options for groups that leave them out. An undefined default marks a required option. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: Array<ParamGroup<O>> = [];
  /** Per-parameter state (created at a parameter's first step). */
  state = new Map<Tensor, ParamState>();

  protected constructor(params: ParamsArg<O>, defaults: O) {
    this.defaults = defaults;
    if (params instanceof Tensor)
      throw new TypeError('optimizer: params should be an iterable of Tensors or parameter groups, but got a Tensor');
    const list = Array.from(params as Iterable<Tensor | ParamGroupSpec<O>>);
    if (list.length === 0) throw new KilnError('optimizer got an empty parameter list');
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupSpec<O>] : (list as Array<ParamGroupSpec<O>>);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group (e.g. layers unfrozen during fine-tuning); its missing options take the defaults. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    if (spec === null || typeof spec !== 'object' || spec instanceof Tensor || !('params' in spec))
      throw new TypeError('addParamGroup: a parameter group must be an object with a params field');
    if (spec.params instanceof Set)
      throw new TypeError('addParamGroup: parameters must be an ordered collection (an array), not a Set: the order of state dict entries depends on it');
    const params = spec.params instanceof Tensor ? [spec.params] : Array.from(spec.params);
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`addParamGroup: optimizers can only optimize Tensors, got ${p === null ? 'null' : typeof p}`);
      if (!p.isLeaf && !p.retainsGrad) throw new KilnError("addParamGroup: can't optimize a non-leaf Tensor");
    }
    if (new Set(params).size !== params.length) throw new KilnError('addParamGroup: a parameter group contains the same parameter twice');
    for (const g of this.paramGroups)
      if (g.params.some((p) => params.includes(p))) throw new KilnError('addParamGroup: some parameters appear in more than one parameter group');

    const group: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec)) if (k !== 'params') group[k] = copyOption(v);
    for (const [k, v] of Object.entries(this.defaults)) {
      if (group[k] !== undefined) continue;
      if (v === undefined) throw new KilnError(`addParamGroup: parameter group didn't specify a value of required optimization parameter ${k}`);
      group[k] = copyOption(v);
    }
    group.params = params;
    const full = group as unknown as ParamGroup<O>;
    this.checkGroup(full);
    this.paramGroups.push(full);
  }

  /** Clears the gradients of every optimized parameter. */
  zeroGrad(opts: ZeroGradOptions = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const current = p.peekGrad();
        if (current === null) continue;
        if (setToNone) {
          p.clearGrad();
          continue;
        }
        // A gradient built with createGraph is cut from its graph before being zeroed.
        if (current.gradFn !== null) p.grad = keep(current.detach());
        else current.requiresGrad = false;
        const g = p.peekGrad()!;
        noGrad(() => g.zero_());
      }
    }
  }

  /**
   * One optimization step over every parameter that has a gradient (others are skipped).
   * `closure`, if given, re-evaluates the model with grad mode on and returns the loss,
   * which step returns.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    // Temporaries of the update are freed at once; state buffers are keep()'d when created.
    noGrad(() =>
      scope(() => {
        for (const group of this.paramGroups) this.updateGroup(group);
      }),
    );
    return loss;
  }

  /**
   * The state in PyTorch's layout: `{state: {0: {...}, 1: {...}}, param_groups: [{lr, ...,
   * params: [0, 1]}]}`. As in PyTorch, state tensors are the optimizer's own (not copies);
   * loadStateDict copies them.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[toSnake(k)] = copyOption(v);
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed as OptimizerStateDict['param_groups'][number];
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores a state dict from stateDict() (of an optimizer over parameters of the same
   * shapes, in the same order). State tensors are copied, converted to their parameter's
   * dtype and device; a tensor `step` (as PyTorch stores it) becomes a number.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const saved = dict?.param_groups;
    if (!Array.isArray(saved) || saved.length !== this.paramGroups.length)
      throw new KilnError('loadStateDict: loaded state dict has a different number of parameter groups');
    saved.forEach((s, i) => {
      if (!Array.isArray(s.params) || s.params.length !== this.paramGroups[i].params.length)
        throw new KilnError("loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    });
    const byIndex = new Map<number, Tensor>();
    saved.forEach((s, i) => s.params.forEach((id, j) => byIndex.set(Number(id), this.paramGroups[i].params[j])));

    const state = new Map<Tensor, ParamState>();
    noGrad(() => {
      for (const [k, entry] of Object.entries(dict.state ?? {})) {
        const p = byIndex.get(Number(k));
        if (p === undefined) continue; // state of a parameter this optimizer does not have
        const copy: ParamState = {};
        for (const [key, v] of Object.entries(entry)) copy[key] = loadValue(p, key, v);
        state.set(p, copy);
      }
    });
    this.state = state;
    saved.forEach((s, i) => {
      const group: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) if (k !== 'params') group[toCamel(k)] = copyOption(v);
      group.params = this.paramGroups[i].params;
      this.paramGroups[i] = group as unknown as ParamGroup<O>;
    });
  }

  /** Updates the group's parameters that have a gradient (runs under noGrad, inside a scope). */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** Validates a new group's options (throws on invalid values). */
  protected checkGroup(_group: ParamGroup<O>): void {}

  /** The gradient of `p`, or null to skip it; it must have p's shape. */
  protected gradOf(p: Tensor): Tensor | null {
    const g = p.peekGrad();
    if (g === null) return null;
    if (!sameShape(g.shape, p.shape))
      throw new ShapeError(`optimizer: the gradient of shape [${g.shape.join(', ')}] does not match its parameter of shape [${p.shape.join(', ')}]`);
    return g;
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** A new state buffer shaped and typed like `p`, filled with `value`, that outlives scopes. */
  protected newBuffer(p: Tensor, value = 0): Tensor {
    return keep(fullLike(p, value));
  }
}

function loadValue(p: Tensor, key: string, v: StateValue): StateValue {
  if (!(v instanceof Tensor)) return v;
  if (key === 'step') return Number(v.item());
  // Floating state follows the parameter's dtype (PyTorch's rule); the copy is contiguous.
  const dtype = isFloating(p.dtype) && isFloating(v.dtype) ? p.dtype : v.dtype;
  return keep(to(v, { dtype, device: p.device, copy: true }));
}

/** Checks a numeric option, PyTorch-style: `Invalid learning rate: -1`. */
export function checkOption(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new KilnError(`Invalid ${what}: ${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`);
}
