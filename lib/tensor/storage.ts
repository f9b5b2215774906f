// SPDX-License-Identifier: MIT
/**
 * Storage: one allocation on one device, shared by a tensor and its views.
 *
 * A CPU storage's memory is a V8 ArrayBuffer. V8 counts its bytes when deciding to collect
 * garbage and frees it during collection itself, so a long synchronous loop that drops
 * tensors stays bounded without any manual call (finalizer callbacks, by contrast, only run
 * between tasks). `release()` by the last tensor using it detaches the buffer, which frees
 * the memory at once.
 */
import { native } from '../backend/binding';
import { Device } from './device';

let liveStorages = 0;
let liveBytes = 0;
const collected = new FinalizationRegistry<number>((nbytes) => {
  liveStorages--;
  liveBytes -= nbytes;
});

export class Storage {
  /**
   * Bumped by every in-place write, so autograd can tell when a tensor it saved for backward
   * was changed (views share the counter because they share the storage).
   */
  version = 0;
  private refs = 0;
  private freed = false;

  private constructor(
    readonly buffer: ArrayBuffer,
    readonly nbytes: number,
    readonly device: Device,
  ) {
    liveStorages++;
    liveBytes += nbytes;
    collected.register(this, nbytes, this);
  }

  /** A zero-filled allocation of `nbytes` on `device` (only the CPU exists in this build). */
  static allocate(nbytes: number, device: Device): Storage {
    return new Storage(new ArrayBuffer(nbytes), nbytes, device);
  }

  /** Wraps an existing buffer (its ownership passes to kiln). */
  static fromBuffer(buffer: ArrayBuffer, device: Device): Storage {
    return new Storage(buffer, buffer.byteLength, device);
  }

  get isFreed(): boolean {
    return this.freed;
  }

  retain(): void {
    this.refs++;
  }

  /** Drops one tensor's claim; the last one frees the memory now. */
  release(): void {
    if (--this.refs > 0 || this.freed) return;
    this.freed = true;
    collected.unregister(this);
    liveStorages--;
    liveBytes -= this.nbytes;
    native.detach(this.buffer);
  }
}

/** Live storages and their bytes (storages freed by GC are counted once their finalizer runs). */
export function storageStats(): { storages: number; bytes: number } {
  return { storages: liveStorages, bytes: liveBytes };
}
