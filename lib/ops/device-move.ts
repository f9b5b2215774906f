// SPDX-License-Identifier: MIT
/**
 * Moves between devices. A move copies bytes only: the tensor is first made contiguous (and
 * converted to the target dtype) on its own device, then its bytes cross in one transfer into
 * a new contiguous tensor on the target device. Host-to-device copies return once the host
 * data was read; device-to-host copies wait for the device's queued work.
 */
import { native } from '../backend/binding';
import { checkCudaDevice } from '../backend/devices';
import { encodeView } from '../backend/view-codec';
import { Device } from '../tensor/device';
import { DType, ITEMSIZE } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';

/** Throws DeviceError (opening with `context`) unless `device` can hold tensors here. */
export function assertDeviceUsable(device: Device, context: string): void {
  if (device.type === 'cuda') checkCudaDevice(device.index, context);
}

/** A contiguous copy of `x` in `dtype` on x's own device. */
export function packed(x: Tensor, dtype: DType): Tensor {
  const out = Tensor.uninitialized(x.shape, dtype, x.device);
  encodeView(0, out);
  encodeView(1, x);
  native.copy(out.buffer, x.buffer);
  return out;
}

/** A new contiguous tensor on `device` holding x's elements as `dtype`. */
export function moveTo(x: Tensor, device: Device, dtype: DType = x.dtype, op = 'to'): Tensor {
  assertDeviceUsable(device, `${op}: cannot move a tensor from ${x.device} to ${device}`);
  const source = x.isContiguous() && dtype === x.dtype ? x : packed(x, dtype);
  try {
    const out = Tensor.uninitialized(x.shape, dtype, device);
    const itemsize = ITEMSIZE[dtype];
    native.transfer(out.buffer, out.bufferOffset * itemsize, source.buffer, source.bufferOffset * itemsize, out.numel() * itemsize);
    return out;
  } finally {
    if (source !== x) source.dispose();
  }
}
