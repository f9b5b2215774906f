// SPDX-License-Identifier: MIT
/**
 * Single tensors to and from NumPy's .npy files (np.save / np.load). Writing produces exactly
 * the bytes np.save writes for the same array: version 1.0, little-endian, C order. Reading
 * takes versions 1.0 to 3.0, big-endian data (byte-swapped) and Fortran-order data
 * (transposed into kiln's row-major layout).
 *
 * @example
 * kiln.saveNpy(x, 'x.npy');           // np.load('x.npy') in Python
 * const y = kiln.loadNpy('y.npy');    // from np.save('y.npy', arr)
 */
import { noGrad } from '../autograd/grad-mode';
import { DisposedTensorError, SerializationError } from '../errors';
import { contiguous } from '../ops/convert';
import { permute } from '../ops/views';
import { DeviceLike, parseDevice } from '../tensor/device';
import { DTYPES, ITEMSIZE } from '../tensor/dtype';
import { fmtShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { atomicWriteFile, ChunkWriter } from './atomic-write';
import { HOST_LITTLE_ENDIAN } from './byte-order';
import { bufferSource, ByteSource, bytesOf, withFileSource } from './byte-source';
import { kilnDTypeOfNpyCode, NPY_CODE } from './dtype-codes';
import { encodeNpyHeader, readNpyHeader } from './npy-header';
import { byteSizeOf, fmtBytes, moveAll, tensorFromBytes, withTensorBytes } from './tensor-bytes';

export interface NpyLoadOptions {
  /** Where the tensor goes: read on the CPU, then moved with `.to(device)`. Default 'cpu'. */
  device?: DeviceLike;
}

const SUPPORTED_DESCRS = DTYPES.map((d) => (d === 'bool' ? '|b1' : `<${NPY_CODE[d]}`)).join(', ');

function checkTensor(fn: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new SerializationError(`${fn}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new DisposedTensorError(`${fn}: the tensor (shape ${fmtShape(t.shape)}, ${t.dtype}) was disposed and cannot be saved`);
}

function writeNpy(t: Tensor, write: ChunkWriter): void {
  const byteOrder = t.dtype === 'bool' ? '|' : '<';
  write(encodeNpyHeader({ descr: `${byteOrder}${NPY_CODE[t.dtype]}`, fortranOrder: false, shape: t.shape }));
  withTensorBytes(t, write);
}

/** The .npy bytes of a tensor. */
export function saveNpyBuffer(t: Tensor): Buffer {
  checkTensor('saveNpyBuffer', t);
  const chunks: Uint8Array[] = [];
  // Copied inside the callback: the tensor's bytes may be a view that is freed afterwards.
  writeNpy(t, (chunk) => chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks);
}

/** Writes a tensor to `path` as .npy, atomically (a failed save leaves the previous file). */
export function saveNpy(t: Tensor, path: string): void {
  checkTensor('saveNpy', t);
  atomicWriteFile(path, (write) => writeNpy(t, write));
}

function readNpy(fn: string, src: ByteSource, opts: NpyLoadOptions): Tensor {
  const device = parseDevice(opts.device);
  const header = readNpyHeader(src, fn);
  const fail = (reason: string): never => {
    throw new SerializationError(`${fn}: ${src.name}: ${reason}`);
  };
  const m = /^([<>|=])([a-z]\d+)$/.exec(header.descr);
  const dtype = m ? kilnDTypeOfNpyCode(m[2]) : undefined;
  if (m === null || dtype === undefined)
    return fail(`dtype '${header.descr}' is not supported (kiln reads ${SUPPORTED_DESCRS}, and their big-endian forms)`);
  // '|' (no byte order) and '=' (native) mean the reader's own order, as in NumPy.
  const littleEndian = m[1] === '<' || (m[1] !== '>' && HOST_LITTLE_ENDIAN);

  const { shape, fortranOrder, dataStart } = header;
  const needed = byteSizeOf(shape, ITEMSIZE[dtype]);
  const available = src.size - dataStart;
  if (needed !== available)
    fail(`an array of shape ${fmtShape(shape)} and dtype '${header.descr}' holds ${fmtBytes(needed)} of data, but ${available} follow the header`);

  // Fortran order is row-major order of the reversed shape: read it so, then transpose.
  const stored = fortranOrder && shape.length > 1 ? shape.slice().reverse() : shape;
  const raw = tensorFromBytes(stored, dtype, (into) => src.read(into, dataStart), littleEndian);
  let t = raw;
  if (stored !== shape) {
    t = noGrad(() => {
      const view = permute(raw, stored.map((_, i) => stored.length - 1 - i));
      const copy = contiguous(view);
      view.dispose();
      return copy;
    });
    raw.dispose();
  }
  return moveAll([t], device)[0];
}

/** A tensor from .npy bytes. */
export function loadNpyBuffer(buffer: Uint8Array | ArrayBuffer, opts: NpyLoadOptions = {}): Tensor {
  return readNpy('loadNpyBuffer', bufferSource(bytesOf('loadNpyBuffer', buffer)), opts);
}

/** A tensor from a .npy file; a malformed or unsupported file throws a SerializationError. */
export function loadNpy(path: string, opts: NpyLoadOptions = {}): Tensor {
  return withFileSource(path, (src) => readNpy('loadNpy', src, opts));
}
