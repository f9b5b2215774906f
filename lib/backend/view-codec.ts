// SPDX-License-Identifier: MIT
/**
 * Writes tensor views into the metadata buffer shared with the addon, so a kernel call passes
 * only storages and numbers. Layout per slot (native/binding/view_codec.h reads the same):
 * [dtypeCode, ndim, offset, shape[0..maxDims), strides[0..maxDims)].
 */
import { native, opCodes } from './binding';

const { slotSize, numSlots, maxDims } = opCodes.layout;
const meta = new Float64Array(slotSize * numSlots);
native.setMetaBuffer(meta);

export const MAX_DIMS = maxDims;

/** The parts of a tensor a kernel needs. */
export interface ViewLike {
  readonly dtypeCode: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Element offset into the native buffer (see Tensor.bufferOffset). */
  readonly bufferOffset: number;
}

export function encodeView(slot: number, v: ViewLike): void {
  encodeRaw(slot, v.dtypeCode, v.shape, v.strides, v.bufferOffset);
}

export function encodeRaw(
  slot: number,
  dtypeCode: number,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): void {
  const base = slot * slotSize;
  const n = shape.length;
  meta[base] = dtypeCode;
  meta[base + 1] = n;
  meta[base + 2] = offset;
  for (let i = 0; i < n; i++) {
    meta[base + 3 + i] = shape[i];
    meta[base + 3 + maxDims + i] = strides[i];
  }
}
