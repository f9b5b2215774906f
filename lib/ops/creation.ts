// SPDX-License-Identifier: MIT
/** Tensor creation: from JS data, constant fills, ranges and identity. */
import { native } from '../backend/binding';
import { encodeView } from '../backend/view-codec';
import { DTypeError, ShapeError } from '../errors';
import { assertDeviceUsable, moveTo } from './device-move';
import { CPU, Device, DeviceLike, parseDevice } from '../tensor/device';
import { AnyTypedArray, assertDType, DEFAULT_FLOAT, DType, ITEMSIZE, TYPED_ARRAY } from '../tensor/dtype';
import { fmtShape } from '../tensor/shape';
import { Storage } from '../tensor/storage';
import { Tensor } from '../tensor/tensor';
import { defineOp } from './registry';
import { contiguousStrides } from './util';

export interface TensorOptions {
  dtype?: DType;
  device?: DeviceLike;
  requiresGrad?: boolean;
}

/** Nested arrays of numbers, booleans or bigints, or a typed array. */
export type TensorData = number | boolean | bigint | AnyTypedArray | ReadonlyArray<TensorData>;

export function resolveDevice(device: DeviceLike | undefined, op = 'tensor'): Device {
  const d = parseDevice(device);
  assertDeviceUsable(d, `${op}: cannot create a tensor on ${d}`);
  return d;
}

/** `t` (a new CPU tensor) itself, or moved to `device` (the CPU copy is freed). */
function onDevice(t: Tensor, device: Device): Tensor {
  if (device.type === 'cpu') return t;
  try {
    return moveTo(t, device);
  } finally {
    t.dispose();
  }
}

function finish(t: Tensor, opts: TensorOptions, op: string): Tensor {
  if (opts.requiresGrad) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64')
      throw new DTypeError(`${op}: only tensors of floating point dtype can require gradients, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

function typedArrayDType(a: AnyTypedArray): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  return undefined;
}

/** Walks nested arrays: their shape (checked rectangular) and the flat leaves. */
function flatten(data: TensorData, op: string): { shape: number[]; leaves: Array<number | boolean | bigint> } {
  const shape: number[] = [];
  let probe: TensorData = data;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const arr = probe as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0 || ArrayBuffer.isView(probe)) break;
    probe = (probe as ReadonlyArray<TensorData>)[0];
  }
  const leaves: Array<number | boolean | bigint> = [];
  const walk = (node: TensorData, depth: number, path: string) => {
    if (depth === shape.length) {
      if (typeof node === 'number' || typeof node === 'boolean' || typeof node === 'bigint') leaves.push(node);
      else throw new ShapeError(`${op}: ragged nested array: expected a number at ${path || 'top level'}, got ${Array.isArray(node) ? 'an array' : typeof node}`);
      return;
    }
    if (!Array.isArray(node) && !ArrayBuffer.isView(node))
      throw new ShapeError(`${op}: ragged nested array: expected a sequence of length ${shape[depth]} at ${path || 'top level'}, got ${typeof node}`);
    const arr = node as ArrayLike<TensorData>;
    if (arr.length !== shape[depth])
      throw new ShapeError(`${op}: ragged nested array: expected length ${shape[depth]} at ${path || 'top level'} (dim ${depth}), got ${arr.length}`);
    for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  return { shape, leaves };
}

function inferDType(leaves: ReadonlyArray<number | boolean | bigint>): DType {
  if (leaves.length > 0 && leaves.every((v) => typeof v === 'boolean')) return 'bool';
  if (leaves.some((v) => typeof v === 'bigint')) return 'int64';
  return DEFAULT_FLOAT;
}

function toElement(v: number | boolean | bigint, dtype: DType, op: string, i: number): number | bigint {
  if (dtype === 'bool') return Number(v) !== 0 ? 1 : 0;
  if (dtype === 'int64' || dtype === 'int32') {
    if (typeof v === 'bigint') return dtype === 'int64' ? v : Number(BigInt.asIntN(32, v));
    const n = Number(v);
    if (!Number.isFinite(n)) throw new DTypeError(`${op}: cannot convert ${n} (element ${i}) to ${dtype}`);
    return dtype === 'int64' ? BigInt(Math.trunc(n)) : Math.trunc(n);
  }
  return Number(v);
}

/**
 * A tensor from nested arrays, a typed array or a scalar. JS numbers become float32 by
 * default (JavaScript has no separate integer literal); pass `{dtype: 'int64'}` for class
 * labels, or give bigints / a BigInt64Array. Typed arrays keep their element type.
 *
 * @example
 * const x = kiln.tensor([[1, 2], [3, 4]]);            // float32 [2, 2]
 * const y = kiln.tensor([0, 2, 1], { dtype: 'int64' });
 */
export const tensor = defineOp({
  name: 'tensor',
  family: 'creation',
  differentiable: false,
  forward: (data: TensorData, opts: TensorOptions = {}): Tensor => {
    const device = resolveDevice(opts.device);
    if (data instanceof Tensor) throw new DTypeError('tensor: got a Tensor; use .clone() or .to() to copy one');
    if (ArrayBuffer.isView(data) && !(data instanceof Uint8Array && opts.dtype === 'bool')) {
      const inferred = typedArrayDType(data as AnyTypedArray);
      if (!inferred && !opts.dtype) throw new DTypeError(`tensor: cannot infer a dtype from ${data.constructor.name}; pass {dtype}`);
      const dtype = opts.dtype ? assertDType(opts.dtype, 'tensor') : inferred!;
      if (dtype === inferred) {
        const copy = (data as AnyTypedArray).slice();
        return finish(onDevice(new Tensor(Storage.fromBuffer(copy.buffer as ArrayBuffer, CPU), [copy.length], [1], 0, dtype), device), opts, 'tensor');
      }
    }
    const { shape, leaves } = flatten(data, 'tensor');
    const dtype = opts.dtype ? assertDType(opts.dtype, 'tensor') : inferDType(leaves);
    const out = Tensor.empty(shape, dtype, CPU);
    const arr = new TYPED_ARRAY[dtype](out.buffer as ArrayBuffer, out.bufferOffset * ITEMSIZE[dtype], leaves.length) as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < leaves.length; i++) arr[i] = toElement(leaves[i], dtype, 'tensor', i);
    return finish(onDevice(out, device), opts, 'tensor');
  },
});

/** Shape arguments: `zeros(2, 3)`, `zeros([2, 3])`, `zeros([2, 3], {dtype})`, `zeros(2, 3, {dtype})`. */
export type ShapeAndOptions = Array<number | readonly number[] | TensorOptions>;

export function parseShapeArgs(op: string, args: ShapeAndOptions): { shape: number[]; opts: TensorOptions } {
  let opts: TensorOptions = {};
  let rest = args;
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    opts = last as TensorOptions;
    rest = args.slice(0, -1);
  }
  const shape = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as number[]).slice() : (rest as number[]);
  for (const s of shape)
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0)
      throw new ShapeError(`${op}: sizes must be non-negative integers, got ${fmtShape(shape as number[])}`);
  return { shape, opts };
}

/** A new tensor of `shape` filled with `value`; `op` names the caller in errors. */
export function filled(
  shape: readonly number[],
  value: number | boolean,
  opts: TensorOptions,
  defaultDType: DType = DEFAULT_FLOAT,
  op = 'full',
): Tensor {
  const dtype = opts.dtype ? assertDType(opts.dtype, op) : defaultDType;
  const t = Tensor.empty(shape, dtype, resolveDevice(opts.device));
  if (value !== 0 && value !== false) {
    encodeView(0, t);
    native.fill(t.buffer, Number(value));
  }
  return finish(t, opts, op);
}

export const zeros = defineOp({
  name: 'zeros',
  family: 'creation',
  differentiable: false,
  forward: (...args: ShapeAndOptions): Tensor => {
    const { shape, opts } = parseShapeArgs('zeros', args);
    return filled(shape, 0, opts, DEFAULT_FLOAT, 'zeros');
  },
});

export const ones = defineOp({
  name: 'ones',
  family: 'creation',
  differentiable: false,
  forward: (...args: ShapeAndOptions): Tensor => {
    const { shape, opts } = parseShapeArgs('ones', args);
    return filled(shape, 1, opts, DEFAULT_FLOAT, 'ones');
  },
});

/** Uninitialised memory in PyTorch; kiln's allocations are always zeroed, so this equals zeros. */
export const empty = defineOp({
  name: 'empty',
  family: 'creation',
  differentiable: false,
  forward: (...args: ShapeAndOptions): Tensor => {
    const { shape, opts } = parseShapeArgs('empty', args);
    return filled(shape, 0, opts, DEFAULT_FLOAT, 'empty');
  },
});

/** A tensor filled with `value`; the dtype follows the value (bool, float32) unless given. */
export const full = defineOp({
  name: 'full',
  family: 'creation',
  differentiable: false,
  forward: (shape: readonly number[], value: number | boolean, opts: TensorOptions = {}): Tensor => {
    const { shape: s } = parseShapeArgs('full', [shape]);
    return filled(s, value, opts, typeof value === 'boolean' ? 'bool' : DEFAULT_FLOAT);
  },
});

/**
 * Values from start to end (exclusive) by step: `arange(5)`, `arange(1, 4)`, `arange(0, 1, 0.25)`.
 * As in PyTorch, integer arguments give int64 and any fractional argument gives float32.
 */
export const arange = defineOp({
  name: 'arange',
  family: 'creation',
  differentiable: false,
  forward: (...args: Array<number | TensorOptions>): Tensor => {
    let opts: TensorOptions = {};
    if (typeof args[args.length - 1] === 'object') opts = args.pop() as TensorOptions;
    const nums = args as number[];
    const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
    for (const v of [start, end, step]) if (typeof v !== 'number' || !Number.isFinite(v)) throw new DTypeError(`arange: arguments must be finite numbers, got ${String(v)}`);
    if (step === 0) throw new ShapeError('arange: step must be nonzero');
    if ((end - start) / step < 0) throw new ShapeError(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
    const n = Math.ceil((end - start) / step);
    const integral = [start, end, step].every(Number.isInteger);
    const dtype = opts.dtype ? assertDType(opts.dtype, 'arange') : integral ? 'int64' : DEFAULT_FLOAT;
    const t = Tensor.uninitialized([n], dtype, resolveDevice(opts.device));
    encodeView(0, t);
    native.arange(t.buffer, start, step);
    return finish(t, opts, 'arange');
  },
});

/** `steps` evenly spaced values from start to end inclusive. */
export const linspace = defineOp({
  name: 'linspace',
  family: 'creation',
  differentiable: false,
  forward: (start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor => {
    if (!Number.isInteger(steps) || steps < 0) throw new ShapeError(`linspace: number of steps must be non-negative, got ${steps}`);
    const t = Tensor.uninitialized([steps], opts.dtype ? assertDType(opts.dtype, 'linspace') : DEFAULT_FLOAT, resolveDevice(opts.device));
    encodeView(0, t);
    native.linspace(t.buffer, start, end);
    return finish(t, opts, 'linspace');
  },
});

/** The n x m identity matrix (m defaults to n). */
export const eye = defineOp({
  name: 'eye',
  family: 'creation',
  differentiable: false,
  forward: (n: number, m?: number | TensorOptions, maybeOpts: TensorOptions = {}): Tensor => {
    const cols = typeof m === 'number' ? m : n;
    const opts = typeof m === 'object' ? m : maybeOpts;
    const t = filled(parseShapeArgs('eye', [[n, cols]]).shape, 0, { ...opts, requiresGrad: false }, DEFAULT_FLOAT, 'eye');
    // The diagonal is a strided view with stride cols + 1.
    const diag = t.asStrided([Math.min(n, cols)], [cols + 1], 0);
    encodeView(0, diag);
    native.fill(diag.buffer, 1);
    diag.dispose();
    return finish(t, opts, 'eye');
  },
});

function likeOptions(x: Tensor, opts: TensorOptions): TensorOptions {
  return { dtype: opts.dtype ?? x.dtype, device: opts.device ?? x.device, requiresGrad: opts.requiresGrad };
}

export const zerosLike = defineOp({
  name: 'zerosLike',
  family: 'creation',
  differentiable: false,
  forward: (x: Tensor, opts: TensorOptions = {}): Tensor => filled(x.shape, 0, likeOptions(x, opts), DEFAULT_FLOAT, 'zerosLike'),
});

export const onesLike = defineOp({
  name: 'onesLike',
  family: 'creation',
  differentiable: false,
  forward: (x: Tensor, opts: TensorOptions = {}): Tensor => filled(x.shape, 1, likeOptions(x, opts), DEFAULT_FLOAT, 'onesLike'),
});

export const emptyLike = defineOp({
  name: 'emptyLike',
  family: 'creation',
  differentiable: false,
  forward: (x: Tensor, opts: TensorOptions = {}): Tensor => filled(x.shape, 0, likeOptions(x, opts), DEFAULT_FLOAT, 'emptyLike'),
});

export const fullLike = defineOp({
  name: 'fullLike',
  family: 'creation',
  differentiable: false,
  forward: (x: Tensor, value: number | boolean, opts: TensorOptions = {}): Tensor => filled(x.shape, value, likeOptions(x, opts), DEFAULT_FLOAT, 'fullLike'),
});

