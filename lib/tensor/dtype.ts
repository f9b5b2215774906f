// SPDX-License-Identifier: MIT
/**
 * Element types and PyTorch's type promotion rules. The numeric codes match
 * native/core/dtype.h (a test checks this).
 */
import { DTypeError } from '../errors';

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, float64: 1, int32: 2, int64: 3, bool: 4 };

export const ITEMSIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 };

/** The typed array that holds each dtype's elements (bool as 0/1 bytes). */
export type TypedArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : D extends 'int64'
        ? BigInt64Array
        : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): AnyTypedArray;
  new (length: number): AnyTypedArray;
};

export const TYPED_ARRAY: Readonly<Record<DType, TypedArrayCtor>> = {
  float32: Float32Array as unknown as TypedArrayCtor,
  float64: Float64Array as unknown as TypedArrayCtor,
  int32: Int32Array as unknown as TypedArrayCtor,
  int64: BigInt64Array as unknown as TypedArrayCtor,
  bool: Uint8Array as unknown as TypedArrayCtor,
};

/** The default floating dtype (PyTorch's torch.get_default_dtype()). */
export const DEFAULT_FLOAT: DType = 'float32';

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}
export function isIntegral(d: DType, includeBool = false): boolean {
  return d === 'int32' || d === 'int64' || (includeBool && d === 'bool');
}

/** bool < integer < floating: PyTorch's type categories. */
export function category(d: DType): 0 | 1 | 2 {
  return d === 'bool' ? 0 : isFloating(d) ? 2 : 1;
}

export function assertDType(d: unknown, op: string): DType {
  if (typeof d === 'string' && (DTYPES as readonly string[]).includes(d)) return d as DType;
  throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(', ')}`);
}

/** torch.promote_types for two dtypes. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = category(a);
  const cb = category(b);
  if (ca !== cb) return ca > cb ? a : b;
  // Same category, different types: the wider one.
  return ITEMSIZE[a] >= ITEMSIZE[b] ? a : b;
}

/** torch.can_cast: whether an in-place op may write a `from` result into a `to` tensor. */
export function canCast(from: DType, to: DType): boolean {
  return category(from) <= category(to);
}

/** The dtype of a JS scalar taking part in promotion (a "wrapped number" in PyTorch). */
export function scalarDType(v: number | boolean | bigint): DType {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int64';
  return Number.isInteger(v) ? 'int64' : DEFAULT_FLOAT;
}

/**
 * PyTorch's result_type: dimensioned tensors outrank 0-d tensors, which outrank JS scalars,
 * unless a lower-priority operand belongs to a higher category (e.g. int tensor + 2.5 ->
 * float32).
 */
export function resultType(operands: ReadonlyArray<{ dtype: DType; ndim: number } | number | boolean | bigint>): DType {
  let dim: DType | undefined;
  let zero: DType | undefined;
  let wrapped: DType | undefined;
  const merge = (cur: DType | undefined, d: DType) => (cur === undefined ? d : promoteTypes(cur, d));
  for (const o of operands) {
    if (typeof o === 'object') {
      if (o.ndim > 0) dim = merge(dim, o.dtype);
      else zero = merge(zero, o.dtype);
    } else {
      wrapped = merge(wrapped, scalarDType(o));
    }
  }
  return combineCategories(dim, combineCategories(zero, wrapped)) ?? DEFAULT_FLOAT;
}

function combineCategories(higher: DType | undefined, lower: DType | undefined): DType | undefined {
  if (higher === undefined) return lower;
  if (lower === undefined) return higher;
  if (isFloating(higher)) return higher;
  if (higher === 'bool' || isFloating(lower)) return promoteTypes(higher, lower);
  return higher;
}
