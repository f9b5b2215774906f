// SPDX-License-Identifier: MIT
/**
 * The typed surface of the native addon. Nothing else in kiln touches the addon object:
 * lib/tensor and lib/ops call these functions, which re-raise native failures as kiln's
 * error classes (the native `.code` picks the class) with the JS call site's stack.
 */
import { CudaError, DeviceError, DTypeError, IndexError, KilnError, OutOfMemoryError, ShapeError } from '../errors';
import { loadAddon } from './load';

/**
 * A CPU storage is an ArrayBuffer (V8-owned, so GC sees and frees it even in long loops); a
 * CUDA storage is an opaque handle made by cudaAlloc, freed by cudaFree or by GC.
 */
export type CudaStorage = { readonly __brand: 'CudaStorage' };
export type NativeStorage = ArrayBuffer | CudaStorage;
/** A kernel operand: a storage whose view was encoded into a metadata slot, or a JS scalar. */
export type Operand = NativeStorage | number;

export interface OpCodes {
  unary: Record<string, number>;
  binary: Record<string, number>;
  ternary: Record<string, number>;
  reduce: Record<string, number>;
  layout: { slotSize: number; numSlots: number; maxDims: number };
}

export interface CudaInfo {
  compiled: boolean;
  deviceCount: number;
  error?: string;
}

export interface CudaMemoryStats {
  allocated: number;
  reserved: number;
  maxAllocated: number;
  maxReserved: number;
  cudaMallocs: number;
}

export interface CudaDeviceProperties {
  name: string;
  major: number;
  minor: number;
  multiProcessorCount: number;
  totalMemory: number;
  versions: string;
}

/** Every native function. Views are read from metadata slots (see view-codec.ts). */
export interface NativeBinding {
  setMetaBuffer(meta: Float64Array): void;
  opCodes(): OpCodes;
  numThreads(): number;
  setNumThreads(n: number): void;
  cudaInfo(): CudaInfo;
  /** A CUDA allocation of `nbytes` (contents unspecified) on device `index`. */
  cudaAlloc(index: number, nbytes: number): CudaStorage;
  /** Returns a CUDA storage's block to the caching allocator now (idempotent). */
  cudaFree(storage: CudaStorage): void;
  /** Waits for a device's queued work (-1: all devices); raises asynchronous kernel errors. */
  cudaSynchronize(index: number): void;
  cudaMemoryStats(index: number): CudaMemoryStats;
  cudaResetPeakMemoryStats(index: number): void;
  cudaEmptyCache(): void;
  cudaSetAllowTf32(allow: boolean): void;
  cudaProperties(index: number): CudaDeviceProperties;
  /** Copies `nbytes` between two storages on any devices (byte offsets). */
  transfer(dst: NativeStorage, dstByteOffset: number, src: NativeStorage, srcByteOffset: number, nbytes: number): void;
  detach(storage: ArrayBuffer): void;
  unary(op: number, out: NativeStorage, input: NativeStorage, p0: number, p1: number): void;
  binary(op: number, out: NativeStorage, a: Operand, b: Operand, alpha: number): void;
  ternary(op: number, out: NativeStorage, a: NativeStorage, b: Operand, c: Operand, alpha: number): void;
  where(out: NativeStorage, cond: NativeStorage, a: Operand, b: Operand): void;
  copy(out: NativeStorage, input: NativeStorage): void;
  fill(out: NativeStorage, value: number): void;
  arange(out: NativeStorage, start: number, step: number): void;
  linspace(out: NativeStorage, start: number, end: number): void;
  reduce(op: number, out: NativeStorage, input: NativeStorage, param: number): void;
  reduceArg(isMax: boolean, values: NativeStorage | null, indices: NativeStorage, input: NativeStorage, dim: number): void;
  cumulative(isProd: boolean, out: NativeStorage, input: NativeStorage, dim: number): void;
  softmax(log: boolean, out: NativeStorage, input: NativeStorage, dim: number): void;
  matmul(out: NativeStorage, a: NativeStorage, b: NativeStorage, alpha: number, beta: number): void;
  gather(out: NativeStorage, input: NativeStorage, dim: number, index: NativeStorage): void;
  scatter(self: NativeStorage, dim: number, index: NativeStorage, src: Operand, reduce: number): void;
  indexSelect(out: NativeStorage, input: NativeStorage, dim: number, index: NativeStorage): void;
  indexAdd(self: NativeStorage, dim: number, index: NativeStorage, src: NativeStorage, alpha: number): void;
  countNonzero(input: NativeStorage): number;
  nonzero(out: NativeStorage, input: NativeStorage): void;
  sort(values: NativeStorage, indices: NativeStorage, input: NativeStorage, dim: number, descending: boolean): void;
  random(out: NativeStorage, dist: number, seed: number, offset: number, p0: number, p1: number): void;
  randperm(out: NativeStorage, seed: number, offset: number): void;
  /** GFLOP/s of float32 FMA chains on `threads` (1..numThreads()) pool threads for about `seconds` (0 < s <= 10). */
  cpuPeakGflops(threads: number, seconds: number): number;
  /** Asks for transparent huge pages behind an untouched buffer; the bytes covered (0: none). */
  adviseHugePages(buffer: ArrayBuffer): number;
  /** The transparent huge page size in bytes, 0 where the OS offers none. */
  hugePageSize(): number;
  // Fused optimizer steps (native/binding/optim_binding.cc): views in the slots numbered like
  // the arguments, every buffer contiguous and shaped and typed like param; scalars in `hyper`.
  /** hyper: [lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep]. */
  sgdStep(param: NativeStorage, grad: NativeStorage, momentumBuffer: NativeStorage | null, hyper: Float64Array): void;
  /** hyper: [lr, beta1, beta2, eps, weightDecay, stepSize, biasCorrection2Sqrt, decoupled, amsgrad, maximize]. */
  adamStep(
    param: NativeStorage,
    grad: NativeStorage,
    expAvg: NativeStorage,
    expAvgSq: NativeStorage,
    maxExpAvgSq: NativeStorage | null,
    hyper: Float64Array,
  ): void;
  /** hyper: [lr, alpha, eps, weightDecay, momentum, centered, maximize]. */
  rmspropStep(
    param: NativeStorage,
    grad: NativeStorage,
    squareAvg: NativeStorage,
    gradAvg: NativeStorage | null,
    momentumBuffer: NativeStorage | null,
    hyper: Float64Array,
  ): void;
  /** hyper: [clr, weightDecay, eps, maximize]. */
  adagradStep(param: NativeStorage, grad: NativeStorage, sum: NativeStorage, hyper: Float64Array): void;
}

const ERROR_CLASSES: Record<string, new (message: string) => KilnError> = {
  KILN_SHAPE: ShapeError,
  KILN_DTYPE: DTypeError,
  KILN_INDEX: IndexError,
  KILN_DEVICE: DeviceError,
  KILN_NOT_COMPILED_WITH_CUDA: DeviceError,
  KILN_CUDA: CudaError,
  KILN_OUT_OF_MEMORY: OutOfMemoryError,
};

/** Converts a native exception into the kiln error class its code names. */
export function translateNativeError(e: unknown): unknown {
  // Native errors are built with the Error of the realm that loaded the addon, which need not
  // be this module's (jest and vm contexts have their own), so check the shape, not instanceof.
  if (e instanceof KilnError || typeof e !== 'object' || e === null) return e;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !code.startsWith('KILN_') || typeof message !== 'string') return e;
  const Kind = ERROR_CLASSES[code];
  const err = Kind ? new Kind(message) : new KilnError(message, code);
  Error.captureStackTrace?.(err, translateNativeError);
  return err;
}

function wrap(raw: Record<string, unknown>): NativeBinding {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(raw)) {
    if (typeof fn !== 'function') continue;
    const f = fn as (...args: unknown[]) => unknown;
    // Fixed arity (no native function takes more than 7 arguments; extra ones arrive as
    // undefined and are ignored): rest parameters would cost an array per call.
    wrapped[name] = function (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f6?: unknown, g?: unknown) {
      try {
        return f(a, b, c, d, e, f6, g);
      } catch (err) {
        throw translateNativeError(err);
      }
    };
  }
  return wrapped as unknown as NativeBinding;
}

const loaded = loadAddon();

/** Which addon file was loaded, and whether it can drive CUDA. */
export const addonInfo = { file: loaded.file, variant: loaded.variant };
export const native: NativeBinding = wrap(loaded.binding as Record<string, unknown>);
export const opCodes: OpCodes = native.opCodes();
