// SPDX-License-Identifier: MIT
/** Helpers shared by the op families: device checks, casting, broadcast views, kernel operands. */
import { encodeRaw, encodeView } from '../backend/view-codec';
import { native, Operand } from '../backend/binding';
import { isGradEnabled } from '../autograd/grad-mode';
import { AutogradError, DeviceError, DTypeError } from '../errors';
import { Device } from '../tensor/device';
import { DType, DTYPE_CODE } from '../tensor/dtype';
import { contiguousStrides } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** Checks that every tensor argument lives on one device, and returns that device. */
export function commonDevice(op: string, ...xs: ReadonlyArray<unknown>): Device {
  let device: Device | undefined;
  for (const x of xs) {
    if (!(x instanceof Tensor)) continue;
    const d = x.device;
    if (device === undefined) device = d;
    else if (!device.equals(d))
      throw new DeviceError(`${op}: expected all tensors to be on the same device, but found at least two devices, ${device} and ${d}`);
  }
  if (device === undefined) throw new DeviceError(`${op}: expected at least one tensor argument`);
  return device;
}

export function expectTensor(x: unknown, op: string, what: string): Tensor {
  if (x instanceof Tensor) return x;
  throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

/** `t` itself when it already has `dtype`, else a converted copy. */
export function castTo(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = Tensor.uninitialized(t.shape, dtype, t.device);
  encodeView(0, out);
  encodeView(1, t);
  native.copy(out.buffer, t.buffer);
  return out;
}

/** Strides that read `t` as if broadcast to `shape` (stride 0 on broadcast dims). */
export function broadcastStrides(t: { shape: readonly number[]; strides: readonly number[] }, shape: readonly number[]): number[] {
  const lead = shape.length - t.shape.length;
  const strides = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const j = i - lead;
    strides[i] = j < 0 || (t.shape[j] === 1 && shape[i] !== 1) ? 0 : t.strides[j];
  }
  return strides;
}

/** Encodes `t` broadcast to `shape` in `slot`. */
export function encodeBroadcast(slot: number, t: Tensor, shape: readonly number[]): void {
  encodeRaw(slot, DTYPE_CODE[t.dtype], shape, broadcastStrides(t, shape), t.bufferOffset);
}

/** Encodes a freshly allocated contiguous output. */
export function encodeOut(slot: number, out: Tensor): void {
  encodeRaw(slot, DTYPE_CODE[out.dtype], out.shape, out.strides, out.bufferOffset);
}

/**
 * Prepares one operand of an elementwise kernel: scalars pass through as numbers, tensors are
 * cast to `dtype` and encoded broadcast to `shape`. Returns what to pass to the kernel and a
 * temporary to dispose afterwards (the cast copy), if any.
 */
export function operand(
  slot: number,
  x: TensorOrScalar,
  dtype: DType,
  shape: readonly number[],
): { arg: Operand; temp: Tensor | null } {
  if (!(x instanceof Tensor)) return { arg: Number(x), temp: null };
  const cast = castTo(x, dtype);
  encodeBroadcast(slot, cast, shape);
  return { arg: cast.buffer, temp: cast === x ? null : cast };
}

/**
 * Prepares several operands of one elementwise kernel, in slots `first`, `first + 1`, ...:
 * like `operand`, but every cast runs before any operand is encoded. A cast is a kernel call
 * of its own that writes metadata slots 0 and 1, so casting a later operand after encoding an
 * earlier one would overwrite the earlier operand's view.
 */
export function operands(
  first: number,
  xs: ReadonlyArray<readonly [TensorOrScalar, DType]>,
  shape: readonly number[],
): { args: Operand[]; temps: Array<Tensor | null> } {
  const cast = xs.map(([x, dtype]) => (x instanceof Tensor ? castTo(x, dtype) : x));
  const args = cast.map((c, i) => {
    if (!(c instanceof Tensor)) return Number(c);
    encodeBroadcast(first + i, c, shape);
    return c.buffer;
  });
  const temps = cast.map((c, i) => (c instanceof Tensor && c !== xs[i][0] ? c : null));
  return { args, temps };
}

export function disposeTemps(...temps: Array<Tensor | null>): void {
  for (const t of temps) t?.dispose();
}

/**
 * Disposes a composite op's temporaries, unless its result is part of a recorded graph: the
 * graph's nodes may have saved some of them for backward, and freeing the graph frees them.
 */
export function releaseTemps(result: Tensor, temps: Iterable<Tensor>): void {
  if (result.requiresGrad) return;
  for (const t of temps) if (t !== result) t.dispose();
}

export function shapeOf(x: TensorOrScalar): readonly number[] {
  return x instanceof Tensor ? x.shape : [];
}

export function checkFinite(v: number, op: string, what: string): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new DTypeError(`${op}: ${what} must be a number, got ${String(v)}`);
}

export { contiguousStrides };

/**
 * Called before an op writes into `t` in place: refuses to change a tensor autograd tracks
 * (its gradient would silently be wrong) and bumps the storage's version, so backward can
 * detect saved tensors that were changed.
 */
export function beginInPlace(op: string, t: Tensor): void {
  if (t.requiresGrad && isGradEnabled()) {
    throw new AutogradError(
      t.gradFn === null
        ? `${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap the update in kiln.noGrad(...)`
        : `${op}: in-place operations on tensors that are part of the autograd graph are not supported; use the out-of-place form`,
    );
  }
  t.storage.version++;
}
