// SPDX-License-Identifier: MIT
/**
 * Deterministic memory release on top of GC: `scope(fn)` disposes every tensor created inside
 * `fn` except those it returns or `keep()`s (tfjs' tidy), and `memory()` reports what is live.
 */
import { pooledByteCount } from './buffer-pool';
import { storageStats } from './storage';

/** What scopes need from a tensor; lib/tensor/tensor.ts implements it. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];
const kept = new WeakSet<Disposable>();

/** Called by every tensor at creation: the innermost scope, if any, will dispose it. */
export function trackTensor(t: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top) top.add(t);
}

/** Called by a tensor's dispose(). */
export function untrackTensor(t: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top) top.delete(t);
}

/** Marks `t` to survive the enclosing scope. */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  return t;
}

/**
 * Runs `fn` and disposes the tensors it created, except the ones in its result (searched
 * through arrays and plain objects) and the ones passed to `keep()`. Nested scopes hand
 * their survivors to the enclosing scope.
 *
 * @example
 * const y = kiln.scope(() => x.mul(2).add(1)); // the temporary x.mul(2) is freed here
 */
export function scope<R>(fn: () => R): R {
  const created = new Set<Disposable>();
  scopes.push(created);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    // A scope that throws frees its temporaries too (nothing else tracks them any more).
    scopes.pop();
    release(created, new Set());
    throw e;
  }
  scopes.pop();
  const survivors = new Set<Disposable>();
  collectDisposables(result, survivors, 0);
  release(created, survivors);
  return result;
}

/** Disposes what a scope created, handing survivors and keep()'d tensors to the enclosing scope. */
function release(created: Set<Disposable>, survivors: Set<Disposable>): void {
  const parent = scopes[scopes.length - 1];
  for (const t of created) {
    if (survivors.has(t) || kept.has(t)) {
      parent?.add(t);
    } else if (!t.isDisposed) {
      t.dispose();
    }
  }
}

function collectDisposables(value: unknown, into: Set<Disposable>, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) {
    into.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectDisposables(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value as object)) collectDisposables(v, into, depth + 1);
}

export interface MemoryInfo {
  /**
   * Live tensors that own memory: each storage counts once, however many views share it.
   * (Counting every view object would need a finalizer per view, which costs more than a
   * small op itself.) Small tensors (up to 256 bytes) share slabs and have no finalizer of
   * their own: one dropped without dispose() leaves this count when its whole slab is
   * collected.
   */
  tensors: number;
  /**
   * Live allocations and their bytes on the CPU: each storage of its own, and each 16 KiB
   * slab that small tensors share (whole: those bytes are what the process holds).
   */
  storages: number;
  cpuBytes: number;
  /**
   * Bytes of freed CPU buffers kept for reuse (not counted in cpuBytes: no tensor uses them).
   * `kiln.cpu.emptyCache()` frees them.
   */
  cpuPooledBytes: number;
  /**
   * Bytes of live tensors on CUDA devices (the allocator's own view, rounded and with its
   * cache, is `kiln.cuda.memoryAllocated()` / `memoryReserved()`).
   */
  cudaBytes: number;
}

/**
 * Live tensors and native bytes, for leak checks. Disposed tensors leave the counts at once;
 * garbage-collected ones once the collector has reported them (after a GC and a turn of the
 * event loop).
 */
export function memory(): MemoryInfo {
  const s = storageStats();
  return { tensors: s.owners, storages: s.storages, cpuBytes: s.bytes, cpuPooledBytes: pooledByteCount(), cudaBytes: s.cudaBytes };
}
