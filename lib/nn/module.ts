// SPDX-License-Identifier: MIT
/**
 * Module: the base class of layers and models (PyTorch's nn.Module).
 *
 * How state is found. PyTorch registers parameters, submodules and buffers in __setattr__;
 * JavaScript has no such hook short of wrapping every module in a Proxy (which slows every
 * field read and breaks private fields). kiln finds state lazily instead: whenever the module
 * tree is walked (parameters(), stateDict(), to(), printing, ...), each module scans its own
 * enumerable fields, in declaration order, and takes
 *   - a Module as a submodule,
 *   - a tensor made by nn.Parameter() as a parameter,
 *   - a tensor whose name was passed to registerBuffer() as a buffer.
 * So `fc1 = new nn.Linear(4, 8)` as a class field, or `this.fc1 = ...` in the constructor,
 * registers it; reassigning the field later (even to null) is seen on the next walk. A plain
 * tensor field that is neither a parameter nor a registered buffer is not state (as in
 * PyTorch). registerParameter / registerModule / registerBuffer do the same explicitly, for
 * names that are not identifiers ('0', 'conv-1') or when the order must be exact.
 *
 * `forward` is deliberately not declared here: subclasses define it (no `override` needed)
 * and `call()` takes its argument and return types from it.
 */
import { noGrad } from '../autograd/grad-mode';
import { copyInto } from '../ops/elementwise';
import { to as toOp } from '../ops/convert';
import { DTypeError, KilnError, ShapeError } from '../errors';
import { Device, DeviceLike } from '../tensor/device';
import { DType, DTYPES, isFloating } from '../tensor/dtype';
import { keep } from '../tensor/memory';
import { Tensor } from '../tensor/tensor';
import { isParameter, setData } from './parameter';
import { addIndent } from './repr';

/** Runs before forward with its arguments; may return replacement arguments (an array, or one value). */
export type ForwardPreHook<M extends Module = Module> = (module: M, args: unknown[]) => unknown;
/** Runs after forward with its arguments and output; may return a replacement output. */
export type ForwardHook<M extends Module = Module> = (module: M, args: unknown[], output: unknown) => unknown;

/** Returned by the register*Hook methods. */
export interface RemovableHandle {
  remove(): void;
}

/** A flat map from dotted names ('fc1.weight', 'bn.running_mean') to tensors. */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Where to move / what to convert a module's tensors to: a dtype, a device, or both. */
export type ModuleTarget = DType | DeviceLike | { dtype?: DType; device?: DeviceLike };

type Kind = 'parameter' | 'module' | 'buffer';

/** Per-module bookkeeping, kept in one non-enumerable field so the field scan never sees it. */
interface ModuleState {
  /** Names of state fields, in the order they were first seen or registered. */
  order: string[];
  known: Set<string>;
  /** Buffer names and whether each is persistent (part of stateDict). */
  buffers: Map<string, boolean>;
  preHooks: Map<number, ForwardPreHook>;
  hooks: Map<number, ForwardHook>;
}

let nextHookId = 0;

function checkName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${kind} name should be a string, got ${typeof name}`);
  if (name === '') throw new KilnError(`${kind} name can't be empty string ""`);
  if (name.includes('.')) throw new KilnError(`${kind} name can't contain ".", got ${JSON.stringify(name)}`);
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/**
 * Base class of every layer and model. Subclass it, keep layers and parameters in fields and
 * write `forward`; run the model with `call(...)` (which also runs hooks).
 *
 * @example
 * class Net extends nn.Module {
 *   fc1 = new nn.Linear(4, 8);
 *   act = new nn.ReLU();
 *   fc2 = new nn.Linear(8, 2);
 *   forward(x: kiln.Tensor): kiln.Tensor {
 *     return this.fc2.call(this.act.call(this.fc1.call(x)));
 *   }
 * }
 * const net = new Net();
 * net.namedParameters().map(([k]) => k); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * const y = net.call(kiln.randn([5, 4]));
 */
export class Module {
  /** Training mode (Dropout drops, BatchNorm uses batch statistics); set with train() / eval(). */
  training = true;
  declare private readonly _state: ModuleState;

  constructor() {
    Object.defineProperty(this, '_state', {
      value: { order: [], known: new Set(), buffers: new Map(), preHooks: new Map(), hooks: new Map() } satisfies ModuleState,
      enumerable: false,
    });
  }

  // ---- registration -----------------------------------------------------------------------

  /** Adds newly assigned Module / Parameter fields to the ordered list of state names. */
  private sync(): void {
    const s = this._state;
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      if (s.known.has(key)) continue;
      const v = self[key];
      if (v instanceof Module || isParameter(v)) {
        s.known.add(key);
        s.order.push(key);
      }
    }
  }

  /** This module's own parameters, buffers and submodules, in order, with their kinds. */
  private ownState(): Array<[string, Kind, Tensor | Module]> {
    this.sync();
    const s = this._state;
    const self = this as unknown as Record<string, unknown>;
    const out: Array<[string, Kind, Tensor | Module]> = [];
    for (const name of s.order) {
      const v = self[name];
      if (v instanceof Module) out.push([name, 'module', v]);
      else if (v instanceof Tensor) {
        if (s.buffers.has(name)) out.push([name, 'buffer', v]);
        else if (isParameter(v)) out.push([name, 'parameter', v]);
      }
    }
    return out;
  }

  /** Defines `name` as a state field holding `value`, after checking it clashes with nothing else. */
  private defineState(kind: string, name: string, value: unknown): void {
    this.sync();
    const s = this._state;
    const current = (this as unknown as Record<string, unknown>)[name];
    // An existing attribute may only be taken over when it is empty or already holds the value
    // (`this.b = t; this.registerBuffer('b', t)`); methods and other fields are protected.
    if (!s.known.has(name) && name in this && current !== null && current !== undefined && current !== value)
      throw new KilnError(`${kind} ${JSON.stringify(name)}: attribute ${JSON.stringify(name)} already exists on ${this.typeName()}`);
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
    if (!s.known.has(name)) {
      s.known.add(name);
      s.order.push(name);
    }
  }

  /** Adds a parameter (or null, a declared but absent one such as a disabled bias) under `name`. */
  registerParameter(name: string, param: Tensor | null): void {
    checkName('parameter', name);
    if (param !== null && !isParameter(param))
      throw new TypeError(`cannot assign a plain Tensor as parameter ${JSON.stringify(name)} (nn.Parameter or null required)`);
    if (this._state.buffers.has(name)) throw new KilnError(`parameter ${JSON.stringify(name)}: a buffer of that name already exists`);
    this.defineState('parameter', name, param);
  }

  /** Adds a submodule (or null) under `name`; PyTorch's add_module / register_module. */
  registerModule(name: string, module: Module | null): void {
    checkName('module', name);
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeof module} is not a Module subclass`);
    this.defineState('module', name, module);
  }

  /**
   * Adds a buffer: a tensor that is state but not a parameter (BatchNorm's running mean).
   * Persistent buffers are part of stateDict(); `to()` converts both kinds. Reassigning the
   * field later replaces the buffer.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    checkName('buffer', name);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`cannot assign ${typeof tensor} as buffer ${JSON.stringify(name)} (Tensor or null required)`);
    this.sync();
    const current = (this as unknown as Record<string, unknown>)[name];
    if (this._state.known.has(name) && !this._state.buffers.has(name) && current !== null && current !== undefined)
      throw new KilnError(`buffer ${JSON.stringify(name)}: attribute ${JSON.stringify(name)} already exists on ${this.typeName()}`);
    this.defineState('buffer', name, tensor === null ? null : keep(tensor));
    this._state.buffers.set(name, persistent);
  }

  /** Own submodules in registration order, without de-duplication (for the containers). */
  protected ownModules(): Array<[string, Module]> {
    return this.ownState()
      .filter(([, kind]) => kind === 'module')
      .map(([name, , m]) => [name, m as Module]);
  }

  /** Removes a registered name (used by ModuleDict / ModuleList deletion). */
  protected unregister(name: string): void {
    const s = this._state;
    if (!s.known.has(name)) return;
    s.known.delete(name);
    s.order.splice(s.order.indexOf(name), 1);
    s.buffers.delete(name);
    delete (this as unknown as Record<string, unknown>)[name];
  }

  // ---- traversal --------------------------------------------------------------------------

  /** Direct submodules with their names (each module once). */
  namedChildren(): Array<[string, Module]> {
    const seen = new Set<Module>();
    const out: Array<[string, Module]> = [];
    for (const [name, kind, v] of this.ownState()) {
      if (kind !== 'module' || seen.has(v as Module)) continue;
      seen.add(v as Module);
      out.push([name, v as Module]);
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all below it, pre-order, each once; names are dotted paths ('' for this one). */
  namedModules(opts: { prefix?: string } = {}): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const visit = (m: Module, prefix: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, kind, v] of m.ownState()) if (kind === 'module') visit(v as Module, join(prefix, name));
    };
    visit(this, opts.prefix ?? '');
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Tensors of one kind over this module (and, with recurse, all below it), each tensor once. */
  private namedTensors(kind: 'parameter' | 'buffer', prefix: string, recurse: boolean): Array<[string, Tensor]> {
    const owners: Array<[string, Module]> = recurse ? this.namedModules({ prefix }) : [[prefix, this]];
    const seen = new Set<Tensor>();
    const out: Array<[string, Tensor]> = [];
    for (const [modPrefix, m] of owners)
      for (const [name, k, v] of m.ownState()) {
        if (k !== kind || seen.has(v as Tensor)) continue;
        seen.add(v as Tensor);
        out.push([join(modPrefix, name), v as Tensor]);
      }
    return out;
  }

  /** Parameters with dotted names ('fc1.weight'), each tensor once (shared ones under their first name). */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): Array<[string, Tensor]> {
    return this.namedTensors('parameter', opts.prefix ?? '', opts.recurse ?? true);
  }

  /** The parameters, ready for an optimizer. */
  parameters(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }

  /** Buffers (persistent or not) with dotted names. */
  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): Array<[string, Tensor]> {
    return this.namedTensors('buffer', opts.prefix ?? '', opts.recurse ?? true);
  }

  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  /** The submodule at a dotted path ('encoder.layers.0'); '' is this module. */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    for (const part of target.split('.')) {
      const child = m.ownState().find(([name, kind]) => name === part && kind === 'module');
      if (!child) throw new KilnError(`${m.typeName()} has no submodule ${JSON.stringify(part)} (looking up ${JSON.stringify(target)})`);
      m = child[2] as Module;
    }
    return m;
  }

  /** Calls fn on every submodule (children first) and then on this one; returns this. */
  apply(fn: (module: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  // ---- modes and gradients ----------------------------------------------------------------

  /** Sets training mode on this module and all below it; returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError('training mode is expected to be boolean');
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (false freezes the module); returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Clears parameters' gradients: to null (default, as PyTorch 2) or to zeros in place. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const p of this.parameters()) {
      const g = p.peekGrad();
      if (g === null) continue;
      if (setToNone || g.isDisposed) {
        p.clearGrad(); // (dispose of a disposed tensor does nothing)
        continue;
      }
      // A gradient built with createGraph is part of a graph; zero a detached copy instead.
      const target = g.gradFn !== null ? g.detach() : g;
      noGrad(() => target.zero_());
      p.grad = target;
    }
  }

  // ---- conversion -------------------------------------------------------------------------

  /**
   * Converts floating-point parameters and buffers to a dtype, and/or moves all of them to a
   * device, in place: each parameter keeps its identity (its data is swapped), so optimizers
   * built before still hold the right tensors. Gradients are converted along. Either every
   * tensor converts or none does (errors such as DeviceError are raised before any swap).
   *
   * @example
   * const net = new nn.Linear(3, 2).to('float64');
   * net.weight.dtype; // 'float64'
   */
  to(target: ModuleTarget): this {
    let dtype: DType | undefined;
    let device: DeviceLike | undefined;
    if (typeof target === 'string') {
      if ((DTYPES as readonly string[]).includes(target)) dtype = target as DType;
      else device = target;
    } else if (target instanceof Device) device = target;
    else if (target !== null && typeof target === 'object') ({ dtype, device } = target);
    else throw new TypeError(`Module.to: expected a dtype, a device or {dtype, device}, got ${String(target)}`);
    if (dtype !== undefined && !isFloating(dtype))
      throw new DTypeError(`Module.to only accepts floating point dtypes, but got desired dtype=${dtype}`);

    const convert = (t: Tensor): Tensor =>
      noGrad(() => toOp(t, { dtype: dtype !== undefined && isFloating(t.dtype) ? dtype : undefined, device }));
    const tensors = [...this.parameters(), ...this.buffers()];
    const plans: Array<{ t: Tensor; data: Tensor; grad: Tensor | null }> = [];
    try {
      for (const t of tensors) {
        const data = convert(t);
        const grad = t.grad !== null && !t.grad.isDisposed ? convert(t.grad) : null;
        plans.push({ t, data, grad });
      }
    } catch (e) {
      for (const p of plans) {
        if (p.data !== p.t) p.data.dispose();
        if (p.grad !== null && p.grad !== p.t.grad) p.grad.dispose();
      }
      throw e;
    }
    for (const { t, data, grad } of plans) {
      if (data !== t) {
        setData(t, data);
        data.dispose();
      }
      if (grad !== null) t.grad = grad;
    }
    return this;
  }

  /** to('float64'). */
  double(): this {
    return this.to('float64');
  }

  /** to('float32'). */
  float(): this {
    return this.to('float32');
  }

  // ---- state dict -------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers under PyTorch's key names ('fc1.weight',
   * 'bn.running_mean', 'bn.num_batches_tracked'), own entries first, then each child's. Values
   * share memory with the module but are detached from the graph (keepVars returns the
   * parameters themselves). Shared tensors appear under every name, as in PyTorch.
   */
  stateDict(opts: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const out: StateDict = {};
    const keepVars = opts.keepVars ?? false;
    const visit = (m: Module, prefix: string, ancestors: Set<Module>) => {
      if (ancestors.has(m)) throw new KilnError(`stateDict: module ${prefix || m.typeName()} contains itself`);
      const own = m.ownState();
      for (const [name, kind, v] of own) {
        if (kind === 'parameter' || (kind === 'buffer' && m._state.buffers.get(name)))
          out[prefix + name] = keepVars ? (v as Tensor) : (v as Tensor).detach();
      }
      const inner = new Set(ancestors).add(m);
      for (const [name, kind, v] of own) if (kind === 'module') visit(v as Module, `${prefix}${name}.`, inner);
    };
    visit(this, opts.prefix ?? '', new Set());
    return out;
  }

  /**
   * Copies a state dict into this module's parameters and buffers (converting dtype). Shape
   * mismatches always throw a ShapeError naming the keys; with strict (default) missing or
   * unexpected keys throw too. Everything is checked before anything is copied, so a failed
   * load leaves the module unchanged.
   */
  loadStateDict(stateDict: StateDict | ReadonlyMap<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const given = stateDict instanceof Map ? (stateDict as ReadonlyMap<string, Tensor>) : new Map(Object.entries(stateDict));
    const own = this.stateDict({ keepVars: true });
    const missingKeys: string[] = [];
    const errors: string[] = [];
    let shapeError = false;
    const copies: Array<[Tensor, Tensor]> = [];
    for (const [key, dst] of Object.entries(own)) {
      if (!given.has(key)) {
        missingKeys.push(key);
        continue;
      }
      const src = given.get(key);
      if (!(src instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected a Tensor from checkpoint but received ${src === null ? 'null' : typeof src}.`);
        continue;
      }
      if (src.shape.length !== dst.shape.length || src.shape.some((s, i) => s !== dst.shape[i])) {
        shapeError = true;
        errors.push(`size mismatch for ${key}: copying a param with shape [${src.shape.join(', ')}] from checkpoint, the shape in current model is [${dst.shape.join(', ')}].`);
        continue;
      }
      copies.push([dst, src]);
    }
    const ownKeys = new Set(Object.keys(own));
    const unexpectedKeys = [...given.keys()].filter((k) => !ownKeys.has(k));
    if (strict) {
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (errors.length) {
      const msg = `Error(s) in loading state_dict for ${this.typeName()}:\n\t${errors.join('\n\t')}`;
      throw shapeError ? new ShapeError(msg) : new KilnError(msg);
    }
    noGrad(() => {
      for (const [dst, src] of copies) if (dst !== src) copyInto(dst, src);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- calling ----------------------------------------------------------------------------

  /**
   * Runs the module: forward pre-hooks, forward, then forward hooks (PyTorch's `module(x)`).
   * Argument and result types are those of the subclass's forward.
   */
  call<A extends unknown[], R>(this: Module & { forward(...args: A): R }, ...args: A): R {
    const s = this._state;
    if (typeof (this as { forward?: unknown }).forward !== 'function')
      throw new KilnError(`Module [${this.typeName()}] is missing the required "forward" function`);
    let a: unknown[] = args;
    for (const hook of [...s.preHooks.values()]) {
      const r = hook(this, a);
      if (r !== undefined) a = Array.isArray(r) ? r : [r];
    }
    let out: unknown = this.forward(...(a as A));
    for (const hook of [...s.hooks.values()]) {
      const r = hook(this, a, out);
      if (r !== undefined) out = r;
    }
    return out as R;
  }

  /** Adds a hook run before every forward (see ForwardPreHook). */
  registerForwardPreHook(hook: ForwardPreHook<this>): RemovableHandle {
    return this.addHook(this._state.preHooks, hook as ForwardPreHook);
  }

  /** Adds a hook run after every forward (see ForwardHook). */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    return this.addHook(this._state.hooks, hook as ForwardHook);
  }

  private addHook<H>(hooks: Map<number, H>, hook: H): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError('hook must be a function');
    const id = nextHookId++;
    hooks.set(id, hook);
    return { remove: () => void hooks.delete(id) };
  }

  // ---- printing ---------------------------------------------------------------------------

  /** The class name shown by toString() and in errors. */
  protected typeName(): string {
    return this.constructor.name;
  }

  /** The text inside the parentheses of this module's repr line (overridden by layers). */
  extraRepr(): string {
    return '';
  }

  /** The module tree as PyTorch prints it. */
  toString(): string {
    return this.repr(new Set());
  }

  private repr(ancestors: Set<Module>): string {
    if (ancestors.has(this)) return `${this.typeName()}(<cycle>)`;
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const inner = new Set(ancestors).add(this);
    const childLines = this.ownState()
      .filter(([, kind]) => kind === 'module')
      .map(([name, , m]) => `(${name}): ${addIndent((m as Module).repr(inner), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.typeName()}(`;
    if (lines.length) s += extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
    return `${s})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Calls a module whose forward signature is not known statically (a child taken from
 * children() or a ModuleList): `callModule(m, x)` is `m.call(x)` without the static type.
 */
export function callModule(module: Module, ...args: unknown[]): unknown {
  return (module as Module & { forward(...a: unknown[]): unknown }).call(...args);
}
