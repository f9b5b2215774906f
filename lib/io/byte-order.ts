// SPDX-License-Identifier: MIT
/**
 * Byte order. Typed arrays use the host's order; both file formats store little-endian
 * (safetensors always, .npy unless its descr says '>'), so bytes are swapped where the two
 * differ. On the little-endian machines Node runs on today this is a no-op.
 */
import os from 'node:os';

export const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Reverses the bytes of each `itemsize`-byte element of `bytes`, in place. */
export function swapByteOrder(bytes: Uint8Array, itemsize: number): void {
  if (itemsize === 1) return;
  for (let i = 0; i + itemsize <= bytes.length; i += itemsize) {
    for (let lo = i, hi = i + itemsize - 1; lo < hi; lo++, hi--) {
      const b = bytes[lo];
      bytes[lo] = bytes[hi];
      bytes[hi] = b;
    }
  }
}
