// SPDX-License-Identifier: MIT
/**
 * Matrix products with PyTorch's rules: 1-d operands become a row or column and the added
 * dim is removed again; batch dims broadcast. Everything reaches one batched GEMM kernel as
 * [B, M, K] x [B, K, N] views, which read transposed and broadcast inputs through strides.
 */
import { native } from '../backend/binding';
import { encodeRaw } from '../backend/view-codec';
import { DTypeError, ShapeError } from '../errors';
import { DTYPE_CODE } from '../tensor/dtype';
import { broadcastShapes, contiguousStrides, fmtShape, numelOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { mul } from './math';
import { sum } from './reduce';
import { ArgGrad, defineOp } from './registry';
import { broadcastStrides, commonDevice, expectTensor } from './util';
import { mT, squeeze, unsqueeze } from './views';

/** What backward formulas return: one gradient per argument. */
type Grads = ReadonlyArray<ArgGrad>;

/** Strides of the batch dims of `t` read as one flattened dim, or null if they don't merge. */
function mergedBatchStride(shape: readonly number[], strides: readonly number[]): number | null {
  let stride: number | null = null;
  let expected = 0;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride === null) {
      stride = strides[i];
      expected = strides[i] * shape[i];
    } else {
      if (strides[i] !== expected) return null;
      expected = strides[i] * shape[i];
    }
  }
  return stride ?? 0;
}

interface Mat3 {
  t: Tensor;
  strides: [number, number, number];
  temp: Tensor | null;
}

/** `t` (with batch dims broadcast to `batch`) as [B, rows, cols] strides, copying only if needed. */
function asBatched(t: Tensor, batch: readonly number[]): Mat3 {
  const full = [...batch, t.shape[t.ndim - 2], t.shape[t.ndim - 1]];
  let strides = broadcastStrides(t, full);
  let stride = mergedBatchStride(batch, strides.slice(0, batch.length));
  let src = t;
  let temp: Tensor | null = null;
  if (stride === null) {
    // Batch dims that cannot be read with one stride: materialize the broadcast batch.
    temp = Tensor.uninitialized(full, t.dtype, t.device);
    encodeRaw(0, DTYPE_CODE[t.dtype], full, contiguousStrides(full), temp.bufferOffset);
    encodeRaw(1, DTYPE_CODE[t.dtype], full, strides, t.bufferOffset);
    native.copy(temp.buffer, t.buffer);
    src = temp;
    strides = temp.strides.slice();
    stride = mergedBatchStride(batch, strides.slice(0, batch.length))!;
  }
  return { t: src, strides: [stride, strides[full.length - 2], strides[full.length - 1]], temp };
}

/** Runs out[B,M,N] = alpha * a[B,M,K] @ b[B,K,N] + beta * out. */
function gemm(out: Tensor, a: Mat3, b: Mat3, B: number, M: number, K: number, N: number, alpha = 1, beta = 0): void {
  const code = DTYPE_CODE[out.dtype];
  encodeRaw(0, code, [B, M, N], [M * N, N, 1], out.bufferOffset);
  encodeRaw(1, code, [B, M, K], a.strides, a.t.bufferOffset);
  encodeRaw(2, code, [B, K, N], b.strides, b.t.bufferOffset);
  native.matmul(out.buffer, a.t.buffer, b.t.buffer, alpha, beta);
}

function checkOperands(op: string, a: Tensor, b: Tensor): void {
  commonDevice(op, a, b);
  if (a.dtype !== b.dtype)
    throw new DTypeError(`${op}: expected both operands to have the same dtype, but got ${a.dtype} and ${b.dtype}`);
  if (a.dtype === 'bool') throw new DTypeError(`${op}: not implemented for bool tensors`);
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(`${op}: both arguments need at least 1 dimension, but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
}

/** The matrix product of two tensors, following torch.matmul's rules for 1-d to N-d operands. */
export const matmul = defineOp<(a: Tensor, b: Tensor) => Tensor>({
  // (Typed explicitly: its backward calls matmul, a cycle TypeScript cannot infer through.)
  name: 'matmul',
  family: 'matmul',
  differentiable: true,
  forward: (aArg: Tensor, bArg: Tensor): Tensor => {
    const a0 = expectTensor(aArg, 'matmul', 'input');
    const b0 = expectTensor(bArg, 'matmul', 'other');
    checkOperands('matmul', a0, b0);
    // 1-d operands: a row vector on the left, a column vector on the right.
    const a = a0.ndim === 1 ? a0.asStrided([1, a0.shape[0]], [0, a0.strides[0]]) : a0;
    const b = b0.ndim === 1 ? b0.asStrided([b0.shape[0], 1], [b0.strides[0], 0]) : b0;
    const M = a.shape[a.ndim - 2];
    const K = a.shape[a.ndim - 1];
    const N = b.shape[b.ndim - 1];
    if (b.shape[b.ndim - 2] !== K)
      throw new ShapeError(
        `matmul: mat1 and mat2 shapes cannot be multiplied (${a0.ndim === 1 ? `[${K}]` : `${M}x${K}`} and ${
          b0.ndim === 1 ? `[${b0.shape[0]}]` : `${b.shape[b.ndim - 2]}x${N}`
        }); input shapes ${fmtShape(a0.shape)} and ${fmtShape(b0.shape)}`,
      );
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    const B = numelOf(batch);
    const out = Tensor.uninitialized([...batch, M, N], a.dtype, a.device);
    const A = asBatched(a, batch);
    const Bm = asBatched(b, batch);
    gemm(out, A, Bm, B, M, K, N);
    A.temp?.dispose();
    Bm.temp?.dispose();
    if (a !== a0) a.dispose();
    if (b !== b0) b.dispose();
    // Remove the dims that 1-d operands gained.
    let shape = out.shape.slice();
    if (a0.ndim === 1) shape.splice(shape.length - 2, 1);
    if (b0.ndim === 1) shape = shape.slice(0, -1);
    if (shape.length === out.ndim) return out;
    const result = out.asStrided(shape, contiguousStrides(shape));
    out.dispose();
    return result;
  },
  save: ([a, b]): Tensor[] => [a, b],
  backward: (g, { args: [a, b] }): Grads => matmulGrads(g, a, b),
});

/**
 * Gradients of a @ b: g @ b^T and a^T @ g, computed on the operands as the forward saw them
 * (a 1-d a as a row, a 1-d b as a column), then with those dims dropped again. Batch dims
 * that were broadcast are summed away by the registry's fitter.
 */
function matmulGrads(g: Tensor, a: Tensor, b: Tensor): [Tensor | null, Tensor | null] {
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
  let g2 = b.ndim === 1 ? unsqueeze(g, -1) : g;
  if (a.ndim === 1) g2 = unsqueeze(g2, -2);
  const ga = a.requiresGrad ? (columnMajor(a2) ? mT(matmul(b2, mT(g2))) : matmul(g2, mT(b2))) : null;
  const gb = b.requiresGrad ? (columnMajor(b2) ? mT(matmul(mT(g2), a2)) : matmul(mT(a2), g2)) : null;
  return [ga && a.ndim === 1 ? squeeze(ga, -2) : ga, gb && b.ndim === 1 ? squeeze(gb, -1) : gb];
}

/**
 * Whether `t` is a transposed contiguous matrix (a weight `w.t()`, as in linear): its
 * gradient is then computed in the same layout, so that undoing the transpose gives a
 * contiguous gradient, as PyTorch does.
 */
function columnMajor(t: Tensor): boolean {
  return t.ndim === 2 && t.shape[0] > 1 && t.shape[1] > 1 && t.strides[0] === 1 && t.strides[1] === t.shape[0];
}

function requireDims(op: string, t: Tensor, n: number, what: string): void {
  if (t.ndim !== n) throw new ShapeError(`${op}: ${what} must be a ${n}-D tensor, got shape ${fmtShape(t.shape)}`);
}

/** Product of two matrices. */
export const mm = defineOp({
  name: 'mm',
  family: 'matmul',
  differentiable: true,
  composite: true, // checks shapes, then calls matmul
  forward: (a: Tensor, b: Tensor): Tensor => {
    requireDims('mm', a, 2, 'self');
    requireDims('mm', b, 2, 'mat2');
    return matmul(a, b);
  },
});

/** Batched product of [B, M, K] and [B, K, N] (no broadcasting, as in PyTorch). */
export const bmm = defineOp({
  name: 'bmm',
  family: 'matmul',
  differentiable: true,
  composite: true, // checks shapes, then calls matmul
  forward: (a: Tensor, b: Tensor): Tensor => {
    requireDims('bmm', a, 3, 'self');
    requireDims('bmm', b, 3, 'mat2');
    if (a.shape[0] !== b.shape[0]) throw new ShapeError(`bmm: batch sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    return matmul(a, b);
  },
});

/** beta * input + alpha * (mat1 @ mat2), with `input` broadcast to the result. */
export const addmm = defineOp({
  name: 'addmm',
  family: 'matmul',
  differentiable: true,
  forward: (input: Tensor, mat1: Tensor, mat2: Tensor, opts: { beta?: number; alpha?: number } = {}): Tensor => {
    requireDims('addmm', mat1, 2, 'mat1');
    requireDims('addmm', mat2, 2, 'mat2');
    checkOperands('addmm', mat1, mat2);
    commonDevice('addmm', input, mat1);
    const M = mat1.shape[0];
    const K = mat1.shape[1];
    const N = mat2.shape[1];
    if (mat2.shape[0] !== K) throw new ShapeError(`addmm: mat1 and mat2 shapes cannot be multiplied (${M}x${K} and ${mat2.shape[0]}x${N})`);
    const shape = broadcastShapes('addmm', input.shape, [M, N]);
    if (shape.length !== 2 || shape[0] !== M || shape[1] !== N)
      throw new ShapeError(`addmm: input of shape ${fmtShape(input.shape)} cannot be broadcast to [${M}, ${N}]`);
    const beta = opts.beta ?? 1;
    const out = Tensor.uninitialized([M, N], mat1.dtype, mat1.device);
    if (beta !== 0) {
      // Seed the output with the broadcast bias; the kernel then accumulates beta * out.
      encodeRaw(0, DTYPE_CODE[out.dtype], [M, N], [N, 1], out.bufferOffset);
      encodeRaw(1, DTYPE_CODE[input.dtype], [M, N], broadcastStrides(input, [M, N]), input.bufferOffset);
      native.copy(out.buffer, input.buffer);
    }
    const A = asBatched(mat1, []);
    const B = asBatched(mat2, []);
    gemm(out, A, B, 1, M, K, N, opts.alpha ?? 1, beta);
    return out;
  },
  save: ([, mat1, mat2]): Tensor[] => [mat1, mat2],
  backward: (g, { args: [input, mat1, mat2, opts] }): Grads => {
    const scaled = (t: Tensor, s: number): Tensor => (s === 1 ? t : mul(t, s));
    const alpha = opts?.alpha ?? 1;
    return [
      input.requiresGrad ? scaled(g, opts?.beta ?? 1) : null,
      mat1.requiresGrad ? scaled(matmul(g, mT(mat2)), alpha) : null,
      mat2.requiresGrad ? scaled(matmul(mT(mat1), g), alpha) : null,
    ];
  },
});

/**
 * Outer product of two vectors: out[i][j] = a[i] * b[j]. A broadcast multiply, as in PyTorch,
 * so mixed dtypes promote and bool vectors work (matmul would reject both).
 */
export const outer = defineOp({
  name: 'outer',
  family: 'matmul',
  differentiable: true,
  forward: (a: Tensor, b: Tensor): Tensor => {
    requireDims('outer', a, 1, 'self');
    requireDims('outer', b, 1, 'vec2');
    commonDevice('outer', a, b);
    const col = a.asStrided([a.shape[0], 1], [a.strides[0], 1]);
    const row = b.asStrided([1, b.shape[0]], [1, b.strides[0]]);
    const out = mul(col, row);
    col.dispose();
    row.dispose();
    return out;
  },
  save: ([a, b]): Tensor[] => [a, b],
  // A broadcast multiply: each input's gradient sums g times the other along the other's dim.
  backward: (g, { args: [a, b] }): Grads => [
    a.requiresGrad ? sum(mul(g, unsqueeze(b, 0)), 1) : null,
    b.requiresGrad ? sum(mul(g, unsqueeze(a, 1)), 0) : null,
  ],
});

/** Dot product of two 1-d tensors of equal length (a 0-d result). */
export const dot = defineOp({
  name: 'dot',
  family: 'matmul',
  differentiable: true,
  composite: true, // checks shapes, then calls matmul
  forward: (a: Tensor, b: Tensor): Tensor => {
    requireDims('dot', a, 1, 'self');
    requireDims('dot', b, 1, 'other');
    if (a.shape[0] !== b.shape[0])
      throw new ShapeError(`dot: expected both vectors to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]}`);
    return matmul(a, b);
  },
});

