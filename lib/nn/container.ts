// SPDX-License-Identifier: MIT
/**
 * Containers: Sequential (a chain), ModuleList (an indexable list) and ModuleDict (a keyed
 * map). Children are registered under their index ('0', '1', ...) or key, which are also
 * their stateDict prefixes, as in PyTorch.
 */
import { IndexError, KilnError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { callModule, Module } from './module';

/** Shared list behaviour of Sequential and ModuleList: children named '0'..'n-1'. */
abstract class ModuleSequence extends Module {
  [index: number]: Module;

  protected constructor(modules: Iterable<Module>) {
    super();
    for (const m of modules) this.append(m);
  }

  private list(): Module[] {
    return this.ownModules().map(([, m]) => m);
  }

  /** Re-registers `modules` as '0'..'n-1' (after an insertion or removal). */
  private renumber(modules: readonly Module[]): void {
    for (const [name] of this.ownModules()) this.unregister(name);
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }

  private index(i: number, op: string, size = this.length): number {
    if (!Number.isInteger(i) || i < -size || i >= size) throw new IndexError(`${this.typeName()}.${op}: index ${i} is out of range for length ${size}`);
    return i < 0 ? i + size : i;
  }

  get length(): number {
    return this.ownModules().length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    return this.list()[this.index(i, 'at')];
  }

  /** Replaces the module at index i. */
  set(i: number, module: Module): void {
    this.registerModule(String(this.index(i, 'set')), module);
  }

  append(module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`${this.typeName()}.append: expected a Module, got ${typeof module}`);
    this.registerModule(String(this.length), module);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts before index i (i may equal the length, or be negative). */
  insert(i: number, module: Module): this {
    const list = this.list();
    const n = list.length;
    const at = i < 0 ? Math.max(0, i + n) : Math.min(i, n);
    list.splice(at, 0, module);
    this.renumber(list);
    return this;
  }

  /** Removes and returns the module at index i (default the last). */
  pop(i = -1): Module {
    const list = this.list();
    const [m] = list.splice(this.index(i, 'pop', list.length), 1);
    this.renumber(list);
    return m;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.list()[Symbol.iterator]();
  }
}

/**
 * Runs its modules in order, feeding each one's output to the next. Indexable (`seq[0]`,
 * `seq.at(-1)`), iterable, and extensible with append / insert / pop; slice(a, b) gives a
 * new Sequential sharing the modules.
 *
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * String(model);
 * // Sequential(
 * //   (0): Linear(in_features=4, out_features=8, bias=True)
 * //   (1): ReLU()
 * //   (2): Linear(in_features=8, out_features=2, bias=True)
 * // )
 * model.call(kiln.randn([5, 4])).shape; // [5, 2]
 */
export class Sequential extends ModuleSequence {
  constructor(...modules: Module[]) {
    super(modules);
  }

  /** A Sequential of modules i..j-1 (the same module objects). */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(...[...this].slice(start, end));
  }

  forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this) x = callModule(m, x);
    return x as Tensor;
  }
}

/**
 * A list of submodules, registered so that their parameters are found (a plain array field
 * is not). Has no forward of its own.
 *
 * @example
 * class Stack extends nn.Module {
 *   layers = new nn.ModuleList([1, 2, 3].map(() => new nn.Linear(4, 4)));
 *   forward(x: kiln.Tensor) { for (const l of this.layers) x = (l as nn.Linear).call(x); return x; }
 * }
 */
export class ModuleList extends ModuleSequence {
  constructor(modules: Iterable<Module> = []) {
    super(modules);
  }

  slice(start?: number, end?: number): ModuleList {
    return new ModuleList([...this].slice(start, end));
  }
}

/**
 * Submodules under string keys, kept in insertion order. Keys are registered as attributes,
 * so a key may not shadow a Module member ('forward', 'keys', ...).
 *
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
 * heads.get('cls');  // the Linear(8, 3)
 * heads.keys();      // ['cls', 'reg']
 */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Iterable<readonly [string, Module]> = {}) {
    super();
    this.update(modules);
  }

  get length(): number {
    return this.ownModules().length;
  }

  has(key: string): boolean {
    return this.ownModules().some(([k]) => k === key);
  }

  get(key: string): Module {
    const hit = this.ownModules().find(([k]) => k === key);
    if (!hit) throw new KilnError(`ModuleDict: no module under key ${JSON.stringify(key)}`);
    return hit[1];
  }

  set(key: string, module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleDict.set: expected a Module, got ${typeof module}`);
    this.registerModule(key, module);
    return this;
  }

  /** Removes and returns the module under `key`. */
  pop(key: string): Module {
    const m = this.get(key);
    this.unregister(key);
    return m;
  }

  clear(): void {
    for (const [k] of this.ownModules()) this.unregister(k);
  }

  /** Adds (or replaces) every entry of `modules`. */
  update(modules: Record<string, Module> | Iterable<readonly [string, Module]>): this {
    const entries = Symbol.iterator in Object(modules) ? (modules as Iterable<readonly [string, Module]>) : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }

  keys(): string[] {
    return this.ownModules().map(([k]) => k);
  }

  values(): Module[] {
    return this.ownModules().map(([, m]) => m);
  }

  entries(): Array<[string, Module]> {
    return this.ownModules();
  }

  /** Iterates the keys, as a Python dict does. */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
