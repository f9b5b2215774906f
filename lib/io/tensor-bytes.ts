// SPDX-License-Identifier: MIT
/**
 * Tensors to and from raw element bytes in row-major order, as both file formats store them:
 * non-contiguous and non-CPU tensors are copied first, bytes are put in the requested order,
 * and bool bytes read from a file are normalized to 0/1 (kiln's kernels assume nothing else).
 */
import { noGrad } from '../autograd/grad-mode';
import { contiguous, to } from '../ops/convert';
import { CPU, Device } from '../tensor/device';
import { DType, ITEMSIZE } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { HOST_LITTLE_ENDIAN, swapByteOrder } from './byte-order';

/** Byte size of a tensor's elements. */
export function byteLength(t: Tensor): number {
  return t.numel() * ITEMSIZE[t.dtype];
}

/**
 * Bytes that elements of `itemsize` bytes in `shape` occupy, as a file header describes
 * them; undefined when that is beyond 2^53 (no real input holds so much). Any zero dim makes
 * it 0 however large the others.
 */
export function byteSizeOf(shape: readonly number[], itemsize: number): number | undefined {
  if (shape.includes(0)) return 0;
  const n = shape.reduce((p, d) => p * d, itemsize);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A byte count from byteSizeOf for messages. */
export function fmtBytes(n: number | undefined): string {
  return n === undefined ? `more than ${Number.MAX_SAFE_INTEGER} bytes` : `${n} bytes`;
}

/**
 * Calls `use` with `t`'s elements as contiguous little-endian bytes. The bytes may be a view
 * of `t`'s memory: `use` must not keep or modify them. Temporary copies are freed afterwards.
 */
export function withTensorBytes<R>(t: Tensor, use: (bytes: Uint8Array) => R): R {
  const temps: Tensor[] = [];
  try {
    const flat = noGrad(() => {
      const cpu = t.device.type === 'cpu' ? t : to(t, { device: CPU });
      if (cpu !== t) temps.push(cpu);
      const c = contiguous(cpu);
      if (c !== cpu) temps.push(c);
      return c;
    });
    const itemsize = ITEMSIZE[flat.dtype];
    // `use` may keep these bytes after it returns, so this memory must never be reused.
    let bytes = new Uint8Array(flat.storage.exposeBuffer(), flat.bufferOffset * itemsize, byteLength(flat));
    if (!HOST_LITTLE_ENDIAN && itemsize > 1) {
      bytes = bytes.slice();
      swapByteOrder(bytes, itemsize);
    }
    return use(bytes);
  } finally {
    for (const tmp of temps) tmp.dispose();
  }
}

/**
 * A new contiguous CPU tensor whose bytes `fill` writes in row-major order, stored
 * little-endian unless `littleEndian` is false.
 */
export function tensorFromBytes(shape: readonly number[], dtype: DType, fill: (into: Uint8Array) => void, littleEndian = true): Tensor {
  const t = Tensor.empty(shape, dtype);
  try {
    const bytes = new Uint8Array(t.buffer as ArrayBuffer, t.bufferOffset * ITEMSIZE[dtype], byteLength(t));
    fill(bytes);
    if (littleEndian !== HOST_LITTLE_ENDIAN) swapByteOrder(bytes, ITEMSIZE[dtype]);
    if (dtype === 'bool') for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i] === 0 ? 0 : 1;
    return t;
  } catch (e) {
    t.dispose();
    throw e;
  }
}

/**
 * Moves freshly loaded CPU tensors to `device` (a no-op for the CPU), freeing the CPU copies.
 * On failure (say, no CUDA device) every tensor, moved or not, is freed before rethrowing.
 */
export function moveAll(tensors: readonly Tensor[], device: Device): Tensor[] {
  if (device.type === 'cpu') return tensors.slice();
  const moved: Tensor[] = [];
  try {
    for (const t of tensors) {
      moved.push(noGrad(() => to(t, { device })));
      t.dispose();
    }
    return moved;
  } catch (e) {
    for (const t of [...tensors, ...moved]) t.dispose();
    throw e;
  }
}
