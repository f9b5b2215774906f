// SPDX-License-Identifier: MIT
/**
 * `kiln.cuda`: CUDA devices, synchronization and the caching allocator's statistics, after
 * torch.cuda. Work on a device is queued on its stream; reading a tensor's values (item,
 * toArray, data, cpu()) waits for it, and `synchronize()` waits explicitly. Errors found by
 * kernels (an index out of range) surface as CudaError at the next synchronizing call, or at
 * the op itself with KILN_CUDA_LAUNCH_BLOCKING=1.
 */
import { CudaDeviceProperties, native } from './binding';
import { checkCudaDevice, cudaDeviceCount, cudaIsAvailable } from './devices';
import { DeviceError } from '../errors';

/** A device given as an index, 'cuda', 'cuda:N' or a Device object (default: device 0). */
export type CudaDeviceLike = number | string | { readonly type: string; readonly index: number };

function indexOf(device: CudaDeviceLike | undefined, op: string): number {
  let index: number;
  if (device === undefined) index = 0;
  else if (typeof device === 'number') index = device;
  else if (typeof device === 'string') {
    const m = /^cuda(?::(\d+))?$/.exec(device);
    if (!m) throw new DeviceError(`cuda.${op}: expected a CUDA device ('cuda' or 'cuda:N'), got ${JSON.stringify(device)}`);
    index = m[1] === undefined ? 0 : Number(m[1]);
  } else {
    if (device.type !== 'cuda') throw new DeviceError(`cuda.${op}: expected a CUDA device, got ${String(device)}`);
    index = device.index;
  }
  checkCudaDevice(index, `cuda.${op}: cannot use cuda:${index}`);
  return index;
}

/** Waits for all queued work on `device` (every device when omitted); a no-op without CUDA. */
function synchronize(device?: CudaDeviceLike): void {
  if (!cudaIsAvailable()) return;
  native.cudaSynchronize(device === undefined ? -1 : indexOf(device, 'synchronize'));
}

/** Bytes held by live tensors on the device (as the allocator rounds them). */
function memoryAllocated(device?: CudaDeviceLike): number {
  return native.cudaMemoryStats(indexOf(device, 'memoryAllocated')).allocated;
}
/** Bytes the allocator holds from the driver: allocated plus its cache of freed blocks. */
function memoryReserved(device?: CudaDeviceLike): number {
  return native.cudaMemoryStats(indexOf(device, 'memoryReserved')).reserved;
}
function maxMemoryAllocated(device?: CudaDeviceLike): number {
  return native.cudaMemoryStats(indexOf(device, 'maxMemoryAllocated')).maxAllocated;
}
function maxMemoryReserved(device?: CudaDeviceLike): number {
  return native.cudaMemoryStats(indexOf(device, 'maxMemoryReserved')).maxReserved;
}
/** Every statistic at once, plus how many times the allocator has called cudaMalloc. */
function memoryStats(device?: CudaDeviceLike) {
  return native.cudaMemoryStats(indexOf(device, 'memoryStats'));
}
function resetPeakMemoryStats(device?: CudaDeviceLike): void {
  native.cudaResetPeakMemoryStats(indexOf(device, 'resetPeakMemoryStats'));
}
/** Returns cached, unused blocks to the driver (live tensors are untouched); no-op without CUDA. */
function emptyCache(): void {
  if (cudaIsAvailable()) native.cudaEmptyCache();
}
function getDeviceProperties(device?: CudaDeviceLike): CudaDeviceProperties {
  return native.cudaProperties(indexOf(device, 'getDeviceProperties'));
}
function getDeviceName(device?: CudaDeviceLike): string {
  return getDeviceProperties(device).name;
}

export const cuda = {
  isAvailable: cudaIsAvailable,
  deviceCount: cudaDeviceCount,
  synchronize,
  memoryAllocated,
  memoryReserved,
  maxMemoryAllocated,
  maxMemoryReserved,
  memoryStats,
  resetPeakMemoryStats,
  emptyCache,
  getDeviceProperties,
  getDeviceName,
};

let allowTf32 = false;
native.cudaSetAllowTf32(false);

/**
 * `kiln.backends.cuda.matmul.allowTf32`: float32 matmul on CUDA may use TF32 tensor cores
 * (10-bit mantissa products, float32 accumulation). Off by default, as in PyTorch.
 */
export const backends = {
  cuda: {
    matmul: {
      get allowTf32(): boolean {
        return allowTf32;
      },
      set allowTf32(value: boolean) {
        allowTf32 = Boolean(value);
        native.cudaSetAllowTf32(allowTf32);
      },
    },
  },
};
