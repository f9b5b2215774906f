// SPDX-License-Identifier: MIT
/**
 * A pool of freed CPU buffers, reused for later allocations of the same byte length.
 *
 * A fresh large ArrayBuffer is mapped lazily by the OS, so the first write to each of its
 * pages faults; for a 64 MiB temporary that costs more than the kernel that fills it. Training
 * loops allocate the same sizes every step, so a buffer released by dispose()/scope() is kept
 * here and handed back to the next allocation of its exact length (an ArrayBuffer's length is
 * fixed, and exact keys mean no slack memory). Small buffers are not pooled: V8 serves them
 * from its own heap cheaply. The pool is capped; when it is full the buffers pooled longest ago
 * are freed first, since a size that has not been asked for since is the least likely to be.
 *
 * Only buffers that nothing outside kiln can reach may come here (see Storage), and the pool
 * never gives a buffer out twice without it being released in between.
 */
import { native } from '../backend/binding';
import { KilnError } from '../errors';

/** Buffers below this size are left to V8's allocator (no page faults worth saving). */
export const MIN_POOLED_BYTES = 64 * 1024;

const DEFAULT_LIMIT_BYTES = 512 * 1024 * 1024;

/** Free buffers per exact byte length, most recently pooled last. */
const bySize = new Map<number, ArrayBuffer[]>();
/** Every pooled buffer in the order it was pooled (Set keeps insertion order): the eviction order. */
const byAge = new Set<ArrayBuffer>();
let pooledBytes = 0;
let limitBytes = limitFromEnv(process.env.KILN_CPU_POOL_BYTES);

function limitFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT_BYTES;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new KilnError(`KILN_CPU_POOL_BYTES: expected a non-negative integer number of bytes, got '${value}'`);
  return n;
}

/** A pooled buffer of exactly `nbytes`, or null when none is free. Its contents are stale. */
export function takePooled(nbytes: number): ArrayBuffer | null {
  const list = bySize.get(nbytes);
  const buffer = list?.pop();
  if (buffer === undefined) return null;
  if (list!.length === 0) bySize.delete(nbytes);
  byAge.delete(buffer);
  pooledBytes -= nbytes;
  return buffer;
}

/**
 * Offers a released buffer to the pool. Returns false when it is not kept (too small, or
 * larger than the whole limit); the caller then frees it.
 */
export function offerToPool(buffer: ArrayBuffer): boolean {
  const nbytes = buffer.byteLength;
  if (nbytes < MIN_POOLED_BYTES || nbytes > limitBytes) return false;
  evictUntil(limitBytes - nbytes);
  let list = bySize.get(nbytes);
  if (list === undefined) bySize.set(nbytes, (list = []));
  list.push(buffer);
  byAge.add(buffer);
  pooledBytes += nbytes;
  return true;
}

/** Frees the oldest pooled buffers until at most `target` bytes stay pooled. */
function evictUntil(target: number): void {
  for (const buffer of byAge) {
    if (pooledBytes <= target) return;
    const nbytes = buffer.byteLength;
    const list = bySize.get(nbytes)!;
    // The oldest buffer overall is also the oldest of its size, i.e. the first of its list.
    list.shift();
    if (list.length === 0) bySize.delete(nbytes);
    byAge.delete(buffer);
    pooledBytes -= nbytes;
    native.detach(buffer);
  }
}

/** Frees every pooled buffer now (PyTorch's emptyCache). */
export function emptyPool(): void {
  evictUntil(0);
}

/** Bytes held by the pool (not in use by any tensor). */
export function pooledByteCount(): number {
  return pooledBytes;
}

export function poolLimit(): number {
  return limitBytes;
}

/** Sets the most bytes the pool may hold (0 turns pooling off), freeing buffers above it now. */
export function setPoolLimit(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new KilnError(`setPoolLimit: expected a non-negative integer number of bytes, got ${bytes}`);
  limitBytes = bytes;
  evictUntil(bytes);
}
