// SPDX-License-Identifier: MIT
/**
 * The elementwise families: one table entry per kernel of native/core/ops.def, saying which
 * dtypes it accepts and what it returns; three generic runners do the rest (dtype promotion,
 * broadcasting, scalar operands, device checks, in-place writes).
 */
import { native, NativeStorage, opCodes } from '../backend/binding';
import { encodeView } from '../backend/view-codec';
import { DTypeError, ShapeError } from '../errors';
import { canCast, DEFAULT_FLOAT, DType, isFloating, resultType } from '../tensor/dtype';
import { broadcastShapes, fmtShape, sameShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { ArgGrad, defineOp } from './registry';
import { beginInPlace, castTo, commonDevice, disposeTemps, encodeOut, expectTensor, operand, operands, shapeOf, TensorOrScalar } from './util';

/**
 * How an op treats dtypes: 'float' promotes integer and bool inputs to float32; 'num' accepts
 * numbers but not bool; 'all' accepts everything; 'pred' accepts everything and returns bool.
 */
type DTypePolicy = 'float' | 'num' | 'all' | 'pred';

function computeDType(op: string, policy: DTypePolicy, promoted: DType, what: string): DType {
  if (policy === 'float') return isFloating(promoted) ? promoted : DEFAULT_FLOAT;
  if (policy === 'num' && promoted === 'bool')
    throw new DTypeError(`${op}: not supported for bool ${what}; convert with .int() or .float() first`);
  return promoted;
}

/** The in-place spelling of an op for messages: callers pass 'add_' or 'clamp'; both read 'add_', 'clamp_'. */
function inplaceName(op: string): string {
  return op.endsWith('_') ? op : `${op}_`;
}

// ---- unary ----------------------------------------------------------------------------------

export const UNARY_OPS = {
  neg: 'num', abs: 'num', sign: 'num', exp: 'float', expm1: 'float', log: 'float', log1p: 'float',
  log2: 'float', sqrt: 'float', rsqrt: 'float', square: 'num', reciprocal: 'float', sin: 'float',
  cos: 'float', tan: 'float', tanh: 'float', sigmoid: 'float', relu: 'num', gelu: 'float',
  gelu_tanh: 'float', silu: 'float', softplus: 'float', leaky_relu: 'float', elu: 'float',
  erf: 'float', floor: 'num', ceil: 'num', round: 'num', trunc: 'num', clamp: 'num',
  isnan: 'pred', isinf: 'pred', isfinite: 'pred', logical_not: 'pred',
} as const satisfies Record<string, DTypePolicy>;
export type UnaryKernel = keyof typeof UNARY_OPS;

/**
 * Runs a unary kernel. With `inplace`, writes into `x` (its dtype must hold the result).
 */
export function runUnary(kernel: UnaryKernel, op: string, xArg: Tensor, p0 = 0, p1 = 0, inplace = false): Tensor {
  const x = expectTensor(xArg, op, 'input');
  const policy: DTypePolicy = UNARY_OPS[kernel];
  const dtype = computeDType(op, policy, x.dtype, 'tensors');
  const outDType: DType = policy === 'pred' ? 'bool' : dtype;
  if (inplace && outDType !== x.dtype)
    throw new DTypeError(`${inplaceName(op)}: result type ${outDType} can't be cast to the desired output type ${x.dtype}`);
  const input = castTo(x, dtype);
  if (inplace) beginInPlace(inplaceName(op), x);
  const out = inplace ? x : Tensor.uninitialized(x.shape, outDType, x.device);
  encodeView(0, out);
  encodeView(1, input);
  native.unary(opCodes.unary[kernel], out.buffer, input.buffer, p0, p1);
  if (input !== x) input.dispose();
  return out;
}

// ---- binary ---------------------------------------------------------------------------------

type BinaryPolicy = DTypePolicy | 'cmp';
export const BINARY_OPS = {
  add: 'all', sub: 'num', mul: 'all', div: 'float', div_trunc: 'num', div_floor: 'num',
  remainder: 'num', pow: 'num', maximum: 'all', minimum: 'all', atan2: 'float',
  eq: 'cmp', ne: 'cmp', lt: 'cmp', le: 'cmp', gt: 'cmp', ge: 'cmp',
  logical_and: 'cmp', logical_or: 'cmp', logical_xor: 'cmp',
} as const satisfies Record<string, BinaryPolicy>;
export type BinaryKernel = keyof typeof BINARY_OPS;

/**
 * Runs a binary kernel with broadcasting and PyTorch's promotion. Either operand may be a JS
 * number. With `inplace`, the result is written into `a`, whose shape must be the broadcast
 * shape and whose dtype must be able to hold the result.
 */
export function runBinary(kernel: BinaryKernel, op: string, a: TensorOrScalar, b: TensorOrScalar, alpha = 1, inplace = false): Tensor {
  const policy: BinaryPolicy = BINARY_OPS[kernel];
  if (!inplace && a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype && sameShape(a.shape, b.shape)) {
    const direct = runBinarySameShape(kernel, policy, a, b, alpha);
    if (direct !== null) return direct;
  }
  const device = commonDevice(op, a, b);
  const promoted = resultType([a, b]);
  const dtype = computeDType(op, policy === 'cmp' ? 'all' : policy, promoted, 'tensors');
  const outDType: DType = policy === 'cmp' ? 'bool' : dtype;
  const shape = broadcastShapes(op, shapeOf(a), shapeOf(b));
  let out: Tensor;
  if (inplace) {
    const self = expectTensor(a, op, 'self');
    if (!sameShape(shape, self.shape))
      throw new ShapeError(`${inplaceName(op)}: output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
    if (!canCast(outDType, self.dtype))
      throw new DTypeError(`${inplaceName(op)}: result type ${outDType} can't be cast to the desired output type ${self.dtype}`);
    beginInPlace(inplaceName(op), self);
    out = self.dtype === outDType ? self : Tensor.uninitialized(shape, outDType, device);
  } else {
    out = Tensor.uninitialized(shape, outDType, device);
  }
  const { args: [x, y], temps } = operands(1, [[a, dtype], [b, dtype]], shape);
  encodeOut(0, out);
  native.binary(opCodes.binary[kernel], out.buffer, x, y, alpha);
  disposeTemps(...temps);
  if (inplace && out !== a) {
    copyInto(a as Tensor, out);
    out.dispose();
    return a as Tensor;
  }
  return out;
}

/**
 * The common case of a binary op, kept short because small ops are dominated by this path: two
 * tensors of one shape and dtype, whose result needs no cast (else null: the general path).
 */
function runBinarySameShape(kernel: BinaryKernel, policy: BinaryPolicy, a: Tensor, b: Tensor, alpha: number): Tensor | null {
  if (policy === 'float' ? !isFloating(a.dtype) : policy === 'num' && a.dtype === 'bool') return null;
  const device = a.device;
  if (!device.equals(b.device)) return null;
  const out = Tensor.uninitialized(a.shape, policy === 'cmp' ? 'bool' : a.dtype, device);
  encodeView(0, out);
  encodeView(1, a);
  encodeView(2, b);
  native.binary(opCodes.binary[kernel], out.buffer, a.buffer, b.buffer, alpha);
  return out;
}

/** Writes `src` (broadcast and converted) into `dst`. */
export function copyInto(dst: Tensor, src: Tensor): Tensor {
  beginInPlace('copy_', dst);
  commonDevice('copy_', dst, src);
  const shape = broadcastShapes('copy_', dst.shape, src.shape);
  if (!sameShape(shape, dst.shape))
    throw new ShapeError(`copy_: source of shape ${fmtShape(src.shape)} cannot be broadcast to ${fmtShape(dst.shape)}`);
  encodeView(0, dst);
  operand(1, src, src.dtype, dst.shape);
  native.copy(dst.buffer, src.buffer);
  return dst;
}

// ---- ternary --------------------------------------------------------------------------------

const TERNARY_OPS = { lerp: 'float', addcmul: 'num', addcdiv: 'float' } as const satisfies Record<string, DTypePolicy>;
export type TernaryKernel = keyof typeof TERNARY_OPS;

export function runTernary(kernel: TernaryKernel, op: string, a: Tensor, b: TensorOrScalar, c: TensorOrScalar, alpha = 1): Tensor {
  const input = expectTensor(a, op, 'input');
  const device = commonDevice(op, input, b, c);
  const dtype = computeDType(op, TERNARY_OPS[kernel], resultType([input, b, c]), 'tensors');
  const shape = broadcastShapes(op, input.shape, shapeOf(b), shapeOf(c));
  const out = Tensor.uninitialized(shape, dtype, device);
  const { args: [x, y, z], temps } = operands(1, [[input, dtype], [b, dtype], [c, dtype]], shape);
  encodeOut(0, out);
  native.ternary(opCodes.ternary[kernel], out.buffer, x as NativeStorage, y, z, alpha);
  disposeTemps(...temps);
  return out;
}

/** where(cond, a, b): elements of `a` where `cond` is true, else of `b`. */
export const where = defineOp({
  name: 'where',
  family: 'ternary',
  differentiable: true,
  forward: (cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor => {
    const c = expectTensor(cond, 'where', 'condition');
    if (c.dtype !== 'bool') throw new DTypeError(`where: expected condition to be a bool tensor, got ${c.dtype}`);
    const device = commonDevice('where', c, a, b);
    const dtype = resultType([a, b]);
    const shape = broadcastShapes('where', c.shape, shapeOf(a), shapeOf(b));
    const out = Tensor.uninitialized(shape, dtype, device);
    const { args: [cc, x, y], temps } = operands(1, [[c, 'bool'], [a, dtype], [b, dtype]], shape);
    encodeOut(0, out);
    native.where(out.buffer, cc as NativeStorage, x, y);
    disposeTemps(...temps);
    return out;
  },
  save: ([cond]): Tensor[] => [cond],
  // Each element's gradient goes to the side it was taken from; the condition gets none.
  backward: (g, { args: [cond, a, b] }): ReadonlyArray<ArgGrad> => [
    null,
    a instanceof Tensor && a.requiresGrad ? where(cond, g, 0) : null,
    b instanceof Tensor && b.requiresGrad ? where(cond, 0, g) : null,
  ],
});
