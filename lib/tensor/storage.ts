// SPDX-License-Identifier: MIT
/**
 * Storage: one allocation on one device, shared by a tensor and its views.
 *
 * A CPU storage's memory is a V8 ArrayBuffer. V8 counts its bytes when deciding to collect
 * garbage and frees it during collection itself, so a long synchronous loop that drops
 * tensors stays bounded without any manual call (finalizer callbacks, by contrast, only run
 * between tasks). `release()` by the last tensor using it hands a large buffer to the buffer
 * pool for reuse, or detaches it, which frees the memory at once.
 *
 * A buffer may be reused only if nothing else can still read it. Kernel calls use it and let
 * go; `exposeBuffer()` is for everything that hands it out (the zero-copy `data()` view), and
 * marks the storage so its buffer is never pooled. A buffer kiln did not allocate
 * (`fromBuffer`) is never pooled either, as its previous owner may still hold it.
 */
import { native } from '../backend/binding';
import { DisposedTensorError } from '../errors';
import { offerToPool, takePooled } from './buffer-pool';
import { Device } from './device';

let liveStorages = 0;
let liveBytes = 0;
/**
 * What the live counts hold for one storage. The storage and its finalizer share it, so that
 * release() can take the storage out of the counts with a flag instead of unregistering it
 * (FinalizationRegistry.unregister by token costs about as much as a small kernel call).
 */
interface Tally {
  nbytes: number;
  counted: boolean;
}

function uncount(tally: Tally): void {
  if (!tally.counted) return;
  tally.counted = false;
  liveStorages--;
  liveBytes -= tally.nbytes;
}

const collected = new FinalizationRegistry<Tally>(uncount);

export class Storage {
  /**
   * Bumped by every in-place write, so autograd can tell when a tensor it saved for backward
   * was changed (views share the counter because they share the storage).
   */
  version = 0;
  private refs = 0;
  private mem: ArrayBuffer | null;
  /** Whether the buffer may go to the pool on release (kiln's own and never handed out). */
  private reusable: boolean;
  private readonly tally: Tally;

  private constructor(
    buffer: ArrayBuffer,
    readonly nbytes: number,
    readonly device: Device,
    reusable: boolean,
  ) {
    this.mem = buffer;
    this.reusable = reusable;
    liveStorages++;
    liveBytes += nbytes;
    this.tally = { nbytes, counted: true };
    collected.register(this, this.tally);
  }

  /** A zero-filled allocation of `nbytes` on `device` (only the CPU exists in this build). */
  static allocate(nbytes: number, device: Device): Storage {
    const pooled = takePooled(nbytes);
    // Zeroing a pooled buffer is one pass over warm pages, cheaper than faulting in new ones.
    if (pooled !== null) new Uint8Array(pooled).fill(0);
    return new Storage(pooled ?? new ArrayBuffer(nbytes), nbytes, device, true);
  }

  /**
   * An allocation whose contents are unspecified (possibly another tensor's old data), for
   * outputs that the kernel overwrites entirely.
   */
  static allocateUninitialized(nbytes: number, device: Device): Storage {
    return new Storage(takePooled(nbytes) ?? new ArrayBuffer(nbytes), nbytes, device, true);
  }

  /** Wraps an existing buffer (its ownership passes to kiln). */
  static fromBuffer(buffer: ArrayBuffer, device: Device): Storage {
    return new Storage(buffer, buffer.byteLength, device, false);
  }

  get isFreed(): boolean {
    return this.mem === null;
  }

  /**
   * The memory, for a kernel call or a short-lived view that does not outlive the call that
   * made it. Throws once the storage is freed.
   */
  get buffer(): ArrayBuffer {
    if (this.mem === null) throw new DisposedTensorError(`storage of ${this.nbytes} bytes was freed and cannot be used`);
    return this.mem;
  }

  /** The memory, for a view that may outlive this storage: its buffer will never be reused. */
  exposeBuffer(): ArrayBuffer {
    this.reusable = false;
    return this.buffer;
  }

  retain(): void {
    this.refs++;
  }

  /** Drops one tensor's claim; the last one frees the memory now (or pools it). */
  release(): void {
    const buffer = this.mem;
    if (--this.refs > 0 || buffer === null) return;
    this.mem = null;
    uncount(this.tally);
    if (!this.reusable || !offerToPool(buffer)) native.detach(buffer);
  }
}

/** Live storages and their bytes (storages freed by GC are counted once their finalizer runs). */
export function storageStats(): { storages: number; bytes: number } {
  return { storages: liveStorages, bytes: liveBytes };
}
