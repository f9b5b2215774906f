// SPDX-License-Identifier: MIT
/**
 * Parameters: tensors a Module treats as its learnable state. A parameter is an ordinary leaf
 * Tensor (requiresGrad true) that `Parameter()` has marked; the mark lives in a WeakSet, since
 * Tensor's constructor is internal and a subclass would be lost by every op that returns a
 * new tensor anyway. Also the one place that swaps a tensor's data while keeping its identity
 * (Module.to), which is what lets optimizers built before a dtype or device move keep working.
 */
import { keep } from '../tensor/memory';
import { Storage } from '../tensor/storage';
import { Tensor } from '../tensor/tensor';
import { empty } from '../ops/creation';
import { KilnError } from '../errors';

const PARAMETERS = new WeakSet<Tensor>();

/** A Tensor marked as a module parameter (the type is Tensor itself; see isParameter). */
export type Parameter = Tensor;

/**
 * Marks a tensor as a parameter: returns a leaf tensor sharing `data`'s memory, with
 * requiresGrad set (pass false for a frozen parameter). Called without `new`, as in PyTorch.
 * Parameters survive `kiln.scope` (module state outlives the scope that built the module).
 *
 * @example
 * class Scale extends nn.Module {
 *   s = nn.Parameter(kiln.ones([3]));
 *   forward(x: kiln.Tensor) { return x.mul(this.s); }
 * }
 */
export function Parameter(data?: Tensor, requiresGrad = true): Parameter {
  if (data !== undefined && !(data instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${typeof data}`);
  // A fresh leaf view: a parameter must not carry the graph of the tensor it was made from.
  const p = data === undefined ? empty([0]) : data.detach();
  if (requiresGrad) p.requiresGrad_(true);
  PARAMETERS.add(p);
  return keep(p);
}

/** Whether `x` is a tensor created by Parameter(). */
export function isParameter(x: unknown): x is Parameter {
  return x instanceof Tensor && PARAMETERS.has(x);
}

/** The fields of Tensor that setData rewrites; readonly in Tensor's public type. */
interface MutableTensor {
  _storage: Storage | null;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  dtype: Tensor['dtype'];
}

/**
 * Makes `t` read `src`'s data from now on (PyTorch's `param.data = src`): `t` takes over
 * src's storage, layout and dtype, keeping its object identity, requiresGrad and graph
 * position. Both storages' versions are bumped, so a graph that saved `t` (or a view of its
 * old data) before the swap refuses to run backward instead of mixing old and new data.
 *
 * Tensor keeps these fields readonly and its storage private, and lib/tensor offers no
 * set_(); this helper is the documented exception, used only by Module.to.
 * @internal
 */
export function setData(t: Tensor, src: Tensor): void {
  if (t === src) return;
  if (t.gradFn !== null) throw new KilnError('setData: only leaf tensors (parameters, buffers) can have their data replaced');
  const oldStorage = t.storage;
  const newStorage = src.storage;
  if (oldStorage !== newStorage) {
    newStorage.retain();
    oldStorage.version++;
    newStorage.version = Math.max(newStorage.version, oldStorage.version);
  }
  const m = t as unknown as MutableTensor;
  m.shape = src.shape;
  m.strides = src.strides;
  m.offset = src.offset;
  m.dtype = src.dtype;
  if (oldStorage !== newStorage) {
    m._storage = newStorage;
    oldStorage.release();
  }
}
