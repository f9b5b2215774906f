// SPDX-License-Identifier: MIT
/** Which devices this build and machine offer. */
import { DeviceError } from '../errors';
import { addonInfo, native } from './binding';

let cached: { available: boolean; count: number; reason: string } | undefined;

function probe() {
  if (!cached) {
    const info = native.cudaInfo();
    cached = {
      available: info.compiled && info.deviceCount > 0,
      count: info.compiled ? info.deviceCount : 0,
      reason: info.error ?? (info.deviceCount === 0 ? 'no CUDA device is present' : ''),
    };
  }
  return cached;
}

export function cudaIsAvailable(): boolean {
  return probe().available;
}

export function cudaDeviceCount(): number {
  return probe().count;
}

/** Why CUDA cannot be used here, for error messages. */
export function cudaUnavailableReason(): string {
  const p = probe();
  return p.available ? '' : `CUDA is not available (${p.reason}; addon ${addonInfo.variant} build)`;
}

/**
 * Throws DeviceError unless CUDA device `index` exists here (0 <= index < count). `context`
 * opens the message and says what was attempted ("to: cannot move a tensor from cpu to cuda:1").
 */
export function checkCudaDevice(index: number, context: string): void {
  const p = probe();
  if (!p.available) throw new DeviceError(`${context}: ${cudaUnavailableReason()}`);
  if (!Number.isInteger(index) || index < 0 || index >= p.count)
    throw new DeviceError(`${context}: cuda:${index} does not exist (this machine has ${p.count} CUDA device${p.count === 1 ? '' : 's'})`);
}
