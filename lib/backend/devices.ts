// SPDX-License-Identifier: MIT
/** Which devices this build and machine offer. */
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
