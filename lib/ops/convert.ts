// SPDX-License-Identifier: MIT
/** Copies, dtype conversions and device moves. */
import { native } from '../backend/binding';
import { encodeView } from '../backend/view-codec';
import { Device, DeviceLike, parseDevice } from '../tensor/device';
import { assertDType, DType, DTYPES } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { ArgGrad, defineOp } from './registry';
import { moveTo, packed } from './device-move';
import { beginInPlace } from './util';

/** What backward formulas return: one gradient per argument. */
type Grads = ReadonlyArray<ArgGrad>;

/** A contiguous copy of `x` (in `dtype` if given). */
export function copyOf(x: Tensor, dtype: DType = x.dtype, device: Device = x.device): Tensor {
  return device.equals(x.device) ? packed(x, dtype) : moveTo(x, device, dtype);
}

/** `x` itself when already contiguous, else a contiguous copy. */
export const contiguous = defineOp({
  name: 'contiguous',
  family: 'convert',
  differentiable: true,
  // Reading x.storage first makes a disposed x throw even when no copy is needed.
  forward: (x: Tensor): Tensor => (x.storage && x.isContiguous() ? x : copyOf(x)),
  backward: (g): Grads => [g],
});

/** A new tensor with its own copy of the data. */
export const clone = defineOp({
  name: 'clone',
  family: 'convert',
  differentiable: true,
  forward: (x: Tensor): Tensor => copyOf(x),
  backward: (g): Grads => [g],
});

export interface ToOptions {
  dtype?: DType;
  device?: DeviceLike;
  /** Copy even when nothing changes. */
  copy?: boolean;
}

/**
 * Converts dtype and/or moves device: `t.to('float64')`, `t.to('cuda')`, `t.to({dtype, device})`.
 * Returns `t` itself when nothing changes (unless `copy`).
 */
export const to = defineOp({
  name: 'to',
  family: 'convert',
  differentiable: true,
  forward: (x: Tensor, target: DType | DeviceLike | ToOptions | Tensor): Tensor => {
    let opts: ToOptions;
    if (target instanceof Tensor) opts = { dtype: target.dtype, device: target.device };
    else if (typeof target === 'string') opts = (DTYPES as readonly string[]).includes(target) ? { dtype: target as DType } : { device: target };
    else if (target instanceof Device) opts = { device: target };
    else opts = target;
    const dtype = opts.dtype === undefined ? x.dtype : assertDType(opts.dtype, 'to');
    const device = opts.device === undefined ? x.device : parseDevice(opts.device);
    if (dtype === x.dtype && device.equals(x.device) && !opts.copy) return x;
    return copyOf(x, dtype, device);
  },
  // Back to the input's dtype and device.
  backward: (g, { args: [x] }): Grads => [to(g, { dtype: x.dtype, device: x.device })],
});

/** Copies `src` into `dst` in place (broadcasting, converting dtype); returns dst. */
export { copyInto } from './elementwise';

/** Fills `x` in place with `value`. */
export function fill_(x: Tensor, value: number | boolean): Tensor {
  beginInPlace('fill_', x);
  encodeView(0, x);
  native.fill(x.buffer, Number(value));
  return x;
}
