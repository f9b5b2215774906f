// SPDX-License-Identifier: MIT
/**
 * How kiln's dtypes are named in the file formats it reads and writes: safetensors' dtype
 * strings (with the byte size of every dtype the format defines, so a header can be checked
 * even where kiln has no such dtype) and NumPy's type codes for .npy files.
 */
import { DType, DTYPES } from '../tensor/dtype';

/** One dtype of the safetensors format. */
export interface SafetensorsDType {
  /** Bytes per element. */
  readonly itemsize: number;
  /**
   * Position in the reference library's `Dtype` enum. The library lays tensors out by this
   * rank, highest first (then by name), and we copy that order to write identical bytes.
   */
  readonly rank: number;
  /** kiln's dtype, where kiln has one. */
  readonly kiln?: DType;
}

/** Every dtype the format defines, in the library's enum order (its rank). */
const FORMAT_DTYPES: ReadonlyArray<readonly [string, number, DType?]> = [
  ['BOOL', 1, 'bool'],
  ['U8', 1],
  ['I8', 1],
  ['F8_E5M2', 1],
  ['F8_E4M3', 1],
  ['I16', 2],
  ['U16', 2],
  ['F16', 2],
  ['BF16', 2],
  ['I32', 4, 'int32'],
  ['U32', 4],
  ['F32', 4, 'float32'],
  ['F64', 8, 'float64'],
  ['I64', 8, 'int64'],
  ['U64', 8],
];

export const SAFETENSORS_DTYPES: ReadonlyMap<string, SafetensorsDType> = new Map(
  FORMAT_DTYPES.map(([name, itemsize, kiln], rank) => [name, { itemsize, rank, kiln }]),
);

/** kiln dtype -> safetensors dtype string. */
export const SAFETENSORS_NAME: Readonly<Record<DType, string>> = Object.fromEntries(
  FORMAT_DTYPES.filter(([, , kiln]) => kiln !== undefined).map(([name, , kiln]) => [kiln, name]),
) as Record<DType, string>;

/** The safetensors names kiln can load, for error messages. */
export const SUPPORTED_SAFETENSORS_NAMES = DTYPES.map((d) => SAFETENSORS_NAME[d]).join(', ');

/**
 * kiln dtype -> NumPy's kind letter and size ('f4', 'b1', ...). The byte-order character
 * ('<', '>', '|') is added by the writer and read separately.
 */
export const NPY_CODE: Readonly<Record<DType, string>> = {
  float32: 'f4',
  float64: 'f8',
  int32: 'i4',
  int64: 'i8',
  bool: 'b1',
};

const NPY_TO_KILN: ReadonlyMap<string, DType> = new Map(DTYPES.map((d) => [NPY_CODE[d], d]));

/** The kiln dtype of a NumPy kind+size code ('f4'), or undefined when kiln has none. */
export function kilnDTypeOfNpyCode(code: string): DType | undefined {
  return NPY_TO_KILN.get(code);
}
