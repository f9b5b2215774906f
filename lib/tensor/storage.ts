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
 * A CUDA storage's memory is a block of the addon's caching allocator behind an opaque
 * handle: release() hands it back at once (work queued on the device's stream stays ordered
 * before any reuse), and GC does the same for storages nobody released; the addon reports
 * their bytes to V8 so collection keeps pace with GPU memory.
 *
 * A buffer may be reused only if nothing else can still read it. Kernel calls use it and let
 * go; `exposeBuffer()` is for everything that hands it out (the zero-copy `data()` view), and
 * marks the storage so its buffer is never pooled. A buffer kiln did not allocate
 * (`fromBuffer`) is never pooled either, as its previous owner may still hold it.
 */
import { CudaStorage, native, NativeStorage } from '../backend/binding';
import { encodeRaw } from '../backend/view-codec';
import { DeviceError, DisposedTensorError } from '../errors';
import { offerToPool, takePooled } from './buffer-pool';
import { newCpuBuffer } from './huge-pages';
import { releaseChunk, Slab, SLAB_BYTES, slabStats, SMALL_MAX_BYTES, takeChunk } from './small-slabs';
import { Device } from './device';
import { DTYPE_CODE } from './dtype';

const BOOL_CODE = DTYPE_CODE.bool;

let liveStorages = 0;
let liveBytes = 0;
let liveCudaBytes = 0;
/**
 * What the live counts hold for one storage. The storage and its finalizer share it, so that
 * release() can take the storage out of the counts with a flag instead of unregistering it
 * (FinalizationRegistry.unregister by token costs about as much as a small kernel call).
 */
interface Tally {
  nbytes: number;
  counted: boolean;
  cuda: boolean;
}

function uncount(tally: Tally): void {
  if (!tally.counted) return;
  tally.counted = false;
  liveStorages--;
  if (tally.cuda) liveCudaBytes -= tally.nbytes;
  else liveBytes -= tally.nbytes;
}

const collected = new FinalizationRegistry<Tally>(uncount);

/** Numbers storages in order of creation (see Storage.serial). */
let storagesCreated = 0;

/** The serial number the next storage will get. */
export function nextStorageSerial(): number {
  return storagesCreated + 1;
}

export class Storage {
  /**
   * Bumped by every in-place write, so autograd can tell when a tensor it saved for backward
   * was changed (views share the counter because they share the storage).
   */
  version = 0;
  /**
   * Order of creation: lets autograd tell a storage made during a backward pass (which nothing
   * outside it can hold) from older ones.
   */
  readonly serial = ++storagesCreated;
  private refs = 0;
  private mem: NativeStorage | null;
  /** Whether the memory may be reused after release (kiln's own and never handed out). */
  private reusable: boolean;
  /** The live counts' record of an allocation of its own (null for a slab chunk). */
  private readonly tally: Tally | null;

  private constructor(
    buffer: NativeStorage,
    readonly nbytes: number,
    readonly device: Device,
    reusable: boolean,
    /**
     * Where this storage's bytes start in `buffer`: 0, except for small CPU allocations that
     * share a slab (see small-slabs.ts). Tensor offsets count from here, as in PyTorch;
     * kernels get Tensor.bufferOffset.
     */
    readonly byteOffset = 0,
    private readonly slab: Slab | null = null,
  ) {
    this.mem = buffer;
    this.reusable = reusable;
    if (slab !== null) {
      this.tally = null;
      return;
    }
    liveStorages++;
    const cuda = device.type === 'cuda';
    if (cuda) liveCudaBytes += nbytes;
    else liveBytes += nbytes;
    this.tally = { nbytes, counted: true, cuda };
    collected.register(this, this.tally);
  }

  /** A zero-filled allocation of `nbytes` on `device` (only the CPU exists in this build). */
  static allocate(nbytes: number, device: Device): Storage {
    if (device.type === 'cuda') {
      const storage = Storage.allocateUninitialized(nbytes, device);
      // Zeroed as bytes: a bool view of the whole allocation filled with 0.
      encodeRaw(0, BOOL_CODE, [nbytes], [1], 0);
      native.fill(storage.mem as CudaStorage, 0);
      return storage;
    }
    if (nbytes <= SMALL_MAX_BYTES) return Storage.fromSlab(nbytes, device, true);
    const pooled = takePooled(nbytes);
    // Zeroing a pooled buffer is one pass over warm pages, cheaper than faulting in new ones.
    if (pooled !== null) new Uint8Array(pooled).fill(0);
    return new Storage(pooled ?? newCpuBuffer(nbytes), nbytes, device, true);
  }

  /**
   * An allocation whose contents are unspecified (possibly another tensor's old data), for
   * outputs that the kernel overwrites entirely.
   */
  static allocateUninitialized(nbytes: number, device: Device): Storage {
    if (device.type === 'cuda') return new Storage(native.cudaAlloc(device.index, nbytes), nbytes, device, false);
    if (nbytes <= SMALL_MAX_BYTES) return Storage.fromSlab(nbytes, device, false);
    return new Storage(takePooled(nbytes) ?? newCpuBuffer(nbytes), nbytes, device, true);
  }

  private static fromSlab(nbytes: number, device: Device, zeroed: boolean): Storage {
    const chunk = takeChunk(nbytes);
    if (zeroed && !chunk.zeroed) new Uint8Array(chunk.slab.buffer, chunk.byteOffset, nbytes).fill(0);
    return new Storage(chunk.slab.buffer, nbytes, device, true, chunk.byteOffset, chunk.slab);
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
  get buffer(): NativeStorage {
    if (this.mem === null) throw new DisposedTensorError(`storage of ${this.nbytes} bytes was freed and cannot be used`);
    return this.mem;
  }

  /**
   * The CPU memory, for a view that may outlive this storage: its bytes will never be reused.
   * CUDA memory cannot be viewed from JS; callers copy it to the host first. The bytes start
   * at `byteOffset`: a small storage's buffer is a slab that other tensors share.
   */
  exposeBuffer(): ArrayBuffer {
    const mem = this.buffer;
    if (this.device.type !== 'cpu') throw new DeviceError(`cannot view ${this.device} memory from JS; copy the tensor to the CPU first`);
    this.reusable = false;
    return mem as ArrayBuffer;
  }

  /**
   * Copies `bytes.length` bytes from host memory into this storage at `byteOffset` (counted,
   * like tensor offsets, from the storage's start).
   */
  write(byteOffset: number, bytes: Uint8Array): void {
    const src = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    native.transfer(this.buffer, this.byteOffset + byteOffset, src as ArrayBuffer, 0, bytes.byteLength);
  }

  /**
   * A host copy of `nbytes` bytes of this storage from `byteOffset` (counted from the storage's
   * start; waits for queued work).
   */
  read(byteOffset: number, nbytes: number): ArrayBuffer {
    const out = new ArrayBuffer(nbytes);
    native.transfer(out, 0, this.buffer, this.byteOffset + byteOffset, nbytes);
    return out;
  }

  retain(): void {
    this.refs++;
  }

  /** Drops one tensor's claim; the last one frees the memory now (or pools it). */
  release(): void {
    const buffer = this.mem;
    if (--this.refs > 0 || buffer === null) return;
    this.mem = null;
    if (this.slab !== null) {
      releaseChunk(this.slab, this.byteOffset, this.nbytes, this.reusable);
      return;
    }
    uncount(this.tally!);
    // (Not `instanceof ArrayBuffer`: buffers made in another realm, as under jest, fail it.)
    if (this.device.type !== 'cpu') native.cudaFree(buffer as CudaStorage);
    else if (!this.reusable || !offerToPool(buffer as ArrayBuffer)) native.detach(buffer as ArrayBuffer);
  }
}

/**
 * Live allocations and their bytes on the CPU and on CUDA devices, and the live tensors that
 * own memory. Allocations freed by GC leave the counts once their finalizer runs; a slab of
 * small storages counts as one CPU allocation of its full size.
 */
export function storageStats(): { storages: number; bytes: number; cudaBytes: number; owners: number } {
  const { slabs, chunks } = slabStats();
  return { storages: liveStorages + slabs, bytes: liveBytes + slabs * SLAB_BYTES, cudaBytes: liveCudaBytes, owners: liveStorages + chunks };
}
