// SPDX-License-Identifier: MIT
/**
 * Random tensors from a counter-based generator (Philox-4x32-10 in the kernels): a generator
 * is just (seed, offset), each call consumes `numel` counters, so the numbers for a seed do
 * not depend on thread count or device.
 */
import { native } from '../backend/binding';
import { encodeView } from '../backend/view-codec';
import { DTypeError, ShapeError } from '../errors';
import { assertDType, DEFAULT_FLOAT, DType, isFloating } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { parseShapeArgs, resolveDevice, ShapeAndOptions, TensorOptions } from './creation';
import { defineOp } from './registry';
import { to } from './convert';

const SEED_MODULUS = 2 ** 53;

/** A random number generator state; pass one as `{generator}` for an independent stream. */
export class Generator {
  private seed_: number;
  private offset_ = 0;

  /** PyTorch's default seed, so a fresh process is reproducible unless seeded otherwise. */
  constructor(seed = 67280421310721) {
    this.seed_ = Generator.normalize(seed);
  }

  private static normalize(seed: number): number {
    if (!Number.isInteger(seed)) throw new DTypeError(`manualSeed: seed must be an integer, got ${seed}`);
    // Not ((seed % M) + M) % M: the sum passes 2^53, where odd numbers round away, and seeds
    // such as 0 and 1 would become the same generator.
    const r = seed % SEED_MODULUS;
    return r < 0 ? r + SEED_MODULUS : r;
  }

  manualSeed(seed: number): this {
    this.seed_ = Generator.normalize(seed);
    this.offset_ = 0;
    return this;
  }

  initialSeed(): number {
    return this.seed_;
  }

  /** The full state, to save and restore a stream exactly. */
  getState(): { seed: number; offset: number } {
    return { seed: this.seed_, offset: this.offset_ };
  }

  setState(state: { seed: number; offset: number }): void {
    this.seed_ = Generator.normalize(state.seed);
    this.offset_ = state.offset;
  }

  /** Reserves `n` counters; returns the first. */
  advance(n: number): number {
    const start = this.offset_;
    this.offset_ = (this.offset_ + n) % SEED_MODULUS;
    return start;
  }

  get seed(): number {
    return this.seed_;
  }
}

export const defaultGenerator = new Generator();

/** Seeds the default generator. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

enum Dist {
  Uniform = 0,
  Normal = 1,
  Randint = 2,
  Bernoulli = 3,
}

function fillRandom(t: Tensor, dist: Dist, p0: number, p1: number, gen: Generator = defaultGenerator): Tensor {
  const offset = gen.advance(t.numel());
  encodeView(0, t);
  native.random(t.buffer, dist, gen.seed, offset, p0, p1);
  return t;
}

function floatDType(op: string, opts: TensorOptions): DType {
  const d = opts.dtype ? assertDType(opts.dtype, op) : DEFAULT_FLOAT;
  if (!isFloating(d)) throw new DTypeError(`${op}: expected a floating point dtype, got ${d}`);
  return d;
}

function newTensor(op: string, args: ShapeAndOptions, dtypeOf: (o: RandomOptions) => DType) {
  const { shape, opts } = parseShapeArgs(op, args);
  const o = opts as RandomOptions;
  const t = Tensor.uninitialized(shape, dtypeOf(o), resolveDevice(o.device));
  return { t, opts: o };
}

function withGrad(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Uniform samples in [0, 1). */
export const rand = defineOp({
  name: 'rand',
  family: 'creation',
  differentiable: false,
  forward: (...args: ShapeAndOptions): Tensor => {
    const { t, opts } = newTensor('rand', args, (o) => floatDType('rand', o));
    return withGrad(fillRandom(t, Dist.Uniform, 0, 1, opts.generator), opts);
  },
});

/** Standard normal samples. */
export const randn = defineOp({
  name: 'randn',
  family: 'creation',
  differentiable: false,
  forward: (...args: ShapeAndOptions): Tensor => {
    const { t, opts } = newTensor('randn', args, (o) => floatDType('randn', o));
    return withGrad(fillRandom(t, Dist.Normal, 0, 1, opts.generator), opts);
  },
});

/** Integers in [low, high) (int64 unless dtype is given): `randint(0, 10, [3, 4])` or `randint(10, [5])`. */
export const randint = defineOp({
  name: 'randint',
  family: 'creation',
  differentiable: false,
  forward: (...args: Array<number | readonly number[] | RandomOptions>): Tensor => {
    const nums: number[] = [];
    while (typeof args[0] === 'number') nums.push(args.shift() as number);
    const [low, high] = nums.length === 1 ? [0, nums[0]] : [nums[0], nums[1]];
    if (nums.length === 0 || nums.length > 2) throw new ShapeError('randint: expected (high, shape) or (low, high, shape)');
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
      throw new ShapeError(`randint: expected integers low < high, got low=${low}, high=${high}`);
    const { t, opts } = newTensor('randint', args as ShapeAndOptions, (o) => (o.dtype ? assertDType(o.dtype, 'randint') : 'int64'));
    return fillRandom(t, Dist.Randint, low, high, opts.generator);
  },
});

/** A random permutation of 0..n-1 (int64). */
export const randperm = defineOp({
  name: 'randperm',
  family: 'creation',
  differentiable: false,
  forward: (n: number, opts: RandomOptions = {}): Tensor => {
    if (!Number.isInteger(n) || n < 0) throw new ShapeError(`randperm: n must be a non-negative integer, got ${n}`);
    const gen = opts.generator ?? defaultGenerator;
    const t = Tensor.uninitialized([n], 'int64', resolveDevice(opts.device));
    const offset = gen.advance(n);
    encodeView(0, t);
    native.randperm(t.buffer, gen.seed, offset);
    if (opts.dtype && opts.dtype !== 'int64') {
      const out = to(t, opts.dtype);
      t.dispose();
      return out;
    }
    return t;
  },
});

/** 1 with probability p, else 0, in the shape and dtype of `x` (or of `p` when it is a tensor of probabilities). */
export const bernoulli = defineOp({
  name: 'bernoulli',
  family: 'creation',
  differentiable: false,
  forward: (x: Tensor, p: number, opts: { generator?: Generator } = {}): Tensor => {
    if (!(p >= 0 && p <= 1)) throw new DTypeError(`bernoulli: expected 0 <= p <= 1, got ${p}`);
    return fillRandom(Tensor.uninitialized(x.shape, x.dtype, x.device), Dist.Bernoulli, p, 0, opts.generator);
  },
});

export const randLike = defineOp({
  name: 'randLike',
  family: 'creation',
  differentiable: false,
  forward: (x: Tensor, opts: RandomOptions = {}): Tensor =>
    rand(x.shape, { dtype: opts.dtype ?? (isFloating(x.dtype) ? x.dtype : DEFAULT_FLOAT), device: opts.device ?? x.device, generator: opts.generator } as RandomOptions),
});

export const randnLike = defineOp({
  name: 'randnLike',
  family: 'creation',
  differentiable: false,
  forward: (x: Tensor, opts: RandomOptions = {}): Tensor =>
    randn(x.shape, { dtype: opts.dtype ?? (isFloating(x.dtype) ? x.dtype : DEFAULT_FLOAT), device: opts.device ?? x.device, generator: opts.generator } as RandomOptions),
});
