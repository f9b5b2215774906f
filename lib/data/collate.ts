// SPDX-License-Identifier: MIT
/**
 * defaultCollate: turns a list of samples into one batch, like PyTorch's default_collate.
 * Tensors are stacked along a new first dim; numbers become an int64 tensor when every one is
 * an integer and float64 otherwise (PyTorch's dtypes for Python ints and floats); booleans a
 * bool tensor; typed arrays a 2-d tensor of their type; strings stay a string array; arrays and
 * plain objects are collated position by position and key by key, so a batch of `[x, y]`
 * pairs becomes `[stackedX, stackedY]`.
 */
import { DTypeError, KilnError, ShapeError } from '../errors';
import { tensor } from '../ops/creation';
import { stack } from '../ops/join';
import { reshape } from '../ops/views';
import { AnyTypedArray } from '../tensor/dtype';
import { fmtShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

/** Typed arrays kiln makes tensors from (their element type names the dtype). */
type KilnTypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** The batch type defaultCollate makes from samples of type T. */
export type Collated<T> = T extends Tensor | number | bigint | boolean | AnyTypedArray
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : never;

type Kind = 'tensor' | 'number' | 'bigint' | 'boolean' | 'string' | 'typed array' | 'array' | 'object';

const SUPPORTED = 'tensors, numbers, bigints, booleans, strings, Float32/Float64/Int32/BigInt64 arrays, arrays or plain objects';

function kindOf(x: unknown): Kind | string {
  if (x instanceof Tensor) return 'tensor';
  if (Array.isArray(x)) return 'array';
  if (x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof BigInt64Array) return 'typed array';
  if (x === null) return 'null';
  if (typeof x === 'object') {
    const proto = Object.getPrototypeOf(x);
    return proto === Object.prototype || proto === null ? 'object' : `${(x as object).constructor?.name ?? 'unknown'} object`;
  }
  return typeof x;
}

/** "batch element 3" or "batch element 3 at [1].label", for error messages. */
function where(i: number, path: string): string {
  return `batch element ${i}${path ? ` at ${path}` : ''}`;
}

/**
 * Collates a non-empty list of samples into a batch (see the module comment for the rules).
 *
 * @example
 * defaultCollate([[kiln.tensor([1, 2]), 0], [kiln.tensor([3, 4]), 1]])
 * // [tensor([[1, 2], [3, 4]]), tensor([0, 1]) (int64)]
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (!Array.isArray(batch) || batch.length === 0)
    throw new KilnError(`defaultCollate: expected a non-empty array of samples, got ${Array.isArray(batch) ? 'an empty array' : kindOf(batch)}`);
  return collateAt(batch, '') as Collated<T>;
}

function collateAt(batch: readonly unknown[], path: string): unknown {
  const kind = kindOf(batch[0]);
  batch.forEach((x, i) => {
    const k = kindOf(x);
    if (k !== kind) throw new KilnError(`defaultCollate: ${where(i, path)} is a ${k} but ${where(0, path)} is a ${kind}`);
  });
  switch (kind) {
    case 'tensor':
      return stackTensors(batch as readonly Tensor[], path);
    case 'number': {
      const allIntegers = (batch as readonly number[]).every(Number.isInteger);
      return tensor(batch as readonly number[], { dtype: allIntegers ? 'int64' : 'float64' });
    }
    case 'bigint':
      return tensor(batch as readonly bigint[], { dtype: 'int64' });
    case 'boolean':
      return tensor(batch as readonly boolean[], { dtype: 'bool' });
    case 'string':
      return batch.slice();
    case 'typed array':
      return stackTypedArrays(batch as readonly KilnTypedArray[], path);
    case 'array':
      return collateArrays(batch as readonly (readonly unknown[])[], path);
    case 'object':
      return collateObjects(batch as readonly Record<string, unknown>[], path);
    default:
      throw new KilnError(`defaultCollate: batch must contain ${SUPPORTED}; found ${kind} at ${where(0, path)}`);
  }
}

function stackTensors(batch: readonly Tensor[], path: string): Tensor {
  const ref = batch[0];
  batch.forEach((t, i) => {
    if (t.ndim !== ref.ndim || t.shape.some((s, d) => s !== ref.shape[d]))
      throw new ShapeError(
        `defaultCollate: ${where(i, path)} has shape ${fmtShape(t.shape)} but ${where(0, path)} has shape ${fmtShape(ref.shape)}; ` +
          'tensors in a batch must have equal shapes to be stacked',
      );
    if (t.dtype !== ref.dtype)
      throw new DTypeError(`defaultCollate: ${where(i, path)} has dtype ${t.dtype} but ${where(0, path)} has dtype ${ref.dtype}`);
  });
  return stack(batch, 0);
}

/** The samples copied into one flat buffer that becomes one [batch, length] tensor (not a tensor per sample and a stack). */
function stackTypedArrays(batch: readonly KilnTypedArray[], path: string): Tensor {
  const ref = batch[0];
  batch.forEach((a, i) => {
    if (a.constructor !== ref.constructor)
      throw new DTypeError(`defaultCollate: ${where(i, path)} is a ${a.constructor.name} but ${where(0, path)} is a ${ref.constructor.name}`);
    if (a.length !== ref.length)
      throw new ShapeError(`defaultCollate: ${where(i, path)} has length ${a.length} but ${where(0, path)} has length ${ref.length}`);
  });
  const Ctor = ref.constructor as new (n: number) => KilnTypedArray;
  const flat = new Ctor(batch.length * ref.length);
  batch.forEach((a, i) => (flat as { set(a: ArrayLike<number | bigint>, offset: number): void }).set(a, i * ref.length));
  return reshape(tensor(flat), [batch.length, ref.length]);
}

function collateArrays(batch: readonly (readonly unknown[])[], path: string): unknown[] {
  const size = batch[0].length;
  batch.forEach((a, i) => {
    if (a.length !== size)
      throw new ShapeError(
        `defaultCollate: ${where(i, path)} has ${a.length} entries but ${where(0, path)} has ${size}; each sample must have the same length`,
      );
  });
  return Array.from({ length: size }, (_, k) => collateAt(batch.map((a) => a[k]), `${path}[${k}]`));
}

function collateObjects(batch: readonly Record<string, unknown>[], path: string): Record<string, unknown> {
  const keys = Object.keys(batch[0]);
  batch.forEach((o, i) => {
    const missing = keys.find((k) => !(k in o));
    if (missing !== undefined) throw new KilnError(`defaultCollate: ${where(i, path)} has no key '${missing}', which ${where(0, path)} has`);
  });
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = collateAt(batch.map((o) => o[k]), `${path}.${k}`);
  return out;
}
