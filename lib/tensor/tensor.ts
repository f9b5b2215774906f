// SPDX-License-Identifier: MIT
/**
 * Tensor: metadata (shape, strides, offset, dtype, device, autograd fields) over a Storage.
 * Views share the storage. Ops are attached to the prototype by lib/ops/methods.ts through
 * declaration merging, which keeps this file free of imports from the layers above it.
 */
import { inspect } from 'node:util';
import { native, NativeStorage } from '../backend/binding';
import { encodeRaw, encodeView } from '../backend/view-codec';
import { DisposedTensorError, ShapeError } from '../errors';
import { CPU, Device } from './device';
import { AnyTypedArray, DType, DTYPE_CODE, ITEMSIZE, TYPED_ARRAY } from './dtype';
import { formatTensor } from './format';
import { trackTensor, untrackTensor } from './memory';
import { contiguousStrides, fmtShape, numelOf, Shape } from './shape';
import { Storage } from './storage';

/** A nested array of numbers or booleans, as returned by toArray(). */
export type NestedArray = number | boolean | NestedArray[];

/** A node of the autograd graph (defined by lib/autograd; opaque here). */
export interface GradFnLike {
  readonly name: string;
}

export class Tensor {
  /** Sizes per dimension. */
  readonly shape: readonly number[];
  /** Element strides per dimension (never negative). */
  readonly strides: readonly number[];
  /** Element offset of this view into its storage. */
  readonly offset: number;
  readonly dtype: DType;
  /** Whether autograd records operations on this tensor. */
  requiresGrad = false;
  private _grad: Tensor | null = null;
  /**
   * Whether `_grad` may be held outside kiln: read through `grad`, assigned by the caller, or
   * not made by autograd. A gradient nobody outside kiln has seen can be freed as soon as it
   * is dropped (see clearGrad), as PyTorch frees a dropped .grad by reference counting.
   */
  private gradSeen = false;
  /** The graph node that produced this tensor, or null for leaves. */
  gradFn: GradFnLike | null = null;
  private _storage: Storage | null;

  /** @internal Use the creation functions (kiln.tensor, kiln.zeros, ...) instead. */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType) {
    this._storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    storage.retain();
    trackTensor(this);
  }

  /** A new contiguous tensor, zero-filled. */
  static empty(shape: Shape, dtype: DType, device: Device = CPU): Tensor {
    const storage = Storage.allocate(numelOf(shape) * ITEMSIZE[dtype], device);
    return new Tensor(storage, shape.slice(), contiguousStrides(shape), 0, dtype);
  }

  /**
   * A new contiguous tensor with unspecified contents (it may reuse a freed tensor's memory),
   * for op outputs that the kernel writes in full. Anything that reads before writing, or
   * writes only part of it, must use empty() instead.
   */
  static uninitialized(shape: Shape, dtype: DType, device: Device = CPU): Tensor {
    const storage = Storage.allocateUninitialized(numelOf(shape) * ITEMSIZE[dtype], device);
    return new Tensor(storage, shape.slice(), contiguousStrides(shape), 0, dtype);
  }

  /**
   * A view of the same storage with other metadata. Throws ShapeError if the view could reach
   * outside the storage: the addon checks views against the buffer it is given, and a small
   * storage's buffer is a slab shared with other tensors, so this check keeps them apart.
   */
  asStrided(shape: readonly number[], strides: readonly number[], offset = this.offset): Tensor {
    const storage = this.storage;
    let last = offset;
    let empty = false;
    for (let d = 0; d < shape.length; d++) {
      if (shape[d] === 0) empty = true;
      last += (shape[d] - 1) * strides[d];
    }
    if (!empty && (offset < 0 || (last + 1) * ITEMSIZE[this.dtype] > storage.nbytes))
      throw new ShapeError(
        `asStrided: a view of shape ${fmtShape(shape)}, strides ${fmtShape(strides)} and offset ${offset} reaches element ${last} ` +
          `of a storage holding ${storage.nbytes / ITEMSIZE[this.dtype]} elements of ${this.dtype}`,
      );
    return new Tensor(storage, shape, strides, offset, this.dtype);
  }

  /** Gradient accumulated by backward() (leaf tensors). */
  get grad(): Tensor | null {
    this.gradSeen = true;
    return this._grad;
  }

  set grad(g: Tensor | null) {
    this._grad = g;
    this.gradSeen = true;
  }

  /** @internal The gradient, for kiln's own readers, which keep no reference to it. */
  peekGrad(): Tensor | null {
    return this._grad;
  }

  /** @internal Sets a gradient that autograd made and nothing else holds. */
  setOwnedGrad(g: Tensor): void {
    this._grad = g;
    this.gradSeen = false;
  }

  /**
   * @internal Drops the gradient (zeroGrad's set-to-none). Its memory is freed at once when
   * nothing outside kiln can hold it, so the next backward reuses the block instead of
   * waiting for the garbage collector; otherwise the holder keeps it, as in PyTorch.
   */
  clearGrad(): void {
    const g = this._grad;
    this._grad = null;
    if (g !== null && !this.gradSeen) g.dispose();
    this.gradSeen = false;
  }

  /** The storage; throws DisposedTensorError after dispose(). */
  get storage(): Storage {
    const s = this._storage;
    if (s === null || s.isFreed) throw new DisposedTensorError(`this tensor (shape ${fmtShape(this.shape)}, ${this.dtype}) was disposed and cannot be used`);
    return s;
  }

  /**
   * The native buffer for kernel calls (throws if disposed). Do not keep it, or a view of it,
   * past the call: once the tensor is disposed the memory may be reused by another tensor.
   * Use data() for a view that may be kept.
   */
  get buffer(): NativeStorage {
    return this.storage.buffer;
  }

  /**
   * Element offset of this view into the native buffer, for kernel calls and typed-array views:
   * `offset` plus where the storage starts in its buffer (small storages share slabs).
   */
  get bufferOffset(): number {
    const start = this.storage.byteOffset;
    return start === 0 ? this.offset : this.offset + start / ITEMSIZE[this.dtype];
  }

  get device(): Device {
    return this.storage.device;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get dtypeCode(): number {
    return DTYPE_CODE[this.dtype];
  }

  get isDisposed(): boolean {
    return this._storage === null || this._storage.isFreed;
  }

  /** Leaf tensors were created by the user, not by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  numel(): number {
    return numelOf(this.shape);
  }

  /** Size of one dim, or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    const d = dim < 0 ? dim + this.ndim : dim;
    if (d < 0 || d >= this.ndim) throw new ShapeError(`size(): dimension ${dim} out of range for a ${this.ndim}-d tensor`);
    return this.shape[d];
  }

  stride(): number[] {
    return this.strides.slice();
  }

  elementSize(): number {
    return ITEMSIZE[this.dtype];
  }

  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.ndim - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  /** Frees this tensor's claim on its storage now; idempotent. Views keep the storage alive. */
  dispose(): void {
    const s = this._storage;
    if (s === null) return;
    this._storage = null;
    untrackTensor(this);
    s.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * The elements as a typed array in row-major order (Uint8Array for bool, BigInt64Array for
   * int64). For a contiguous CPU tensor this is a zero-copy view of its memory: writes show in
   * the tensor, and dispose() empties it. Otherwise a copy (for a CUDA tensor, a host copy,
   * made after the device's queued work has finished).
   */
  data(): AnyTypedArray {
    // The view outlives this call, so the storage's memory must never be reused.
    return this.elements(true);
  }

  /**
   * The elements in row-major order: a view of the storage when contiguous, else a copy.
   * `escapes` says whether the caller may keep the view; a view used only within the caller
   * (toArray, printing) leaves the memory reusable.
   */
  private elements(escapes: boolean): AnyTypedArray {
    const storage = this.storage;
    const n = this.numel();
    if (storage.device.type !== 'cpu') return new TYPED_ARRAY[this.dtype](this.copyFromDevice(), 0, n);
    if (this.isContiguous()) {
      const buffer = escapes ? storage.exposeBuffer() : (storage.buffer as ArrayBuffer);
      return new TYPED_ARRAY[this.dtype](buffer, this.bufferOffset * ITEMSIZE[this.dtype], n);
    }
    return new TYPED_ARRAY[this.dtype](this.copyToContiguousBuffer(), 0, n);
  }

  /**
   * A host copy of a device tensor's elements in row-major order: strided views are first
   * made contiguous on the device, so only the elements cross the bus.
   */
  private copyFromDevice(): ArrayBuffer {
    const nbytes = this.numel() * ITEMSIZE[this.dtype];
    if (this.isContiguous()) return this.storage.read(this.offset * ITEMSIZE[this.dtype], nbytes);
    const packed = Tensor.uninitialized(this.shape, this.dtype, this.device);
    try {
      encodeView(0, packed);
      encodeView(1, this);
      native.copy(packed.buffer, this.storage.buffer);
      return packed.storage.read(0, nbytes);
    } finally {
      packed.dispose();
    }
  }

  /** A copy of the elements as a fresh contiguous buffer. */
  private copyToContiguousBuffer(): ArrayBuffer {
    const buffer = new ArrayBuffer(this.numel() * ITEMSIZE[this.dtype]);
    encodeRaw(0, this.dtypeCode, this.shape, contiguousStrides(this.shape), 0);
    encodeView(1, this);
    native.copy(buffer, this.storage.buffer);
    return buffer;
  }

  /** The single element as a JS number (boolean for bool tensors). */
  item(): number | boolean {
    const n = this.numel();
    if (n !== 1) throw new ShapeError(`item(): a tensor with ${n} elements cannot be converted to a scalar`);
    const storage = this.storage;
    const itemsize = ITEMSIZE[this.dtype];
    const arr =
      storage.device.type === 'cpu'
        ? new TYPED_ARRAY[this.dtype](storage.buffer as ArrayBuffer, this.bufferOffset * itemsize, 1)
        : new TYPED_ARRAY[this.dtype](storage.read(this.offset * itemsize, itemsize), 0, 1);
    return toJs(arr[0], this.dtype);
  }

  /** The elements as nested arrays (int64 as numbers, bool as booleans). */
  toArray(): NestedArray {
    const flat = this.elements(false);
    const dtype = this.dtype;
    if (this.ndim === 0) return toJs(flat[0], dtype);
    let i = 0;
    const build = (d: number): NestedArray[] => {
      const out: NestedArray[] = new Array(this.shape[d]);
      for (let k = 0; k < this.shape[d]; k++) out[k] = d === this.ndim - 1 ? toJs(flat[i++], dtype) : build(d + 1);
      return out;
    };
    return build(0);
  }

  /** PyTorch's repr: `tensor([[1., 2.]], dtype=float64)`. */
  toString(): string {
    if (this.isDisposed) return `tensor(<disposed>, shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
    return formatTensor({
      values: this.elements(false),
      shape: this.shape,
      dtype: this.dtype,
      device: this.device.toString(),
      requiresGrad: this.requiresGrad,
      gradFn: this.gradFn?.name,
    });
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function toJs(v: number | bigint, dtype: DType): number | boolean {
  if (dtype === 'bool') return v !== 0;
  return typeof v === 'bigint' ? Number(v) : v;
}
