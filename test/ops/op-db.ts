// SPDX-License-Identifier: MIT
/**
 * The op database for the elementwise, reduction and matmul families (in the spirit of
 * PyTorch's OpInfo): one entry per op with the dtypes it accepts, a generator of sample inputs
 * and a float64 reference written here in plain TypeScript, from the definitions in PyTorch's
 * documentation. ops.test.ts runs every entry against kiln.
 *
 * The references never call kiln: inputs are described as plain arrays plus the view steps
 * (transpose, slice, narrow, expand) that make them non-contiguous in kiln, and this file
 * applies the same steps to the arrays with its own index math.
 */
import * as kiln from '../../lib';

// Module-level aliases of the builtins the hot loops use: jest runs tests in a vm context where
// every lookup of a global goes through the context's interceptor, tens of times slower.
const { Math, Number, Array, Infinity, NaN } = globalThis;

export type DType = kiln.DType;
export const FLOAT: readonly DType[] = ['float32', 'float64'];
export const INT: readonly DType[] = ['int32', 'int64'];
export const NUM: readonly DType[] = [...FLOAT, ...INT];
export const ALL: readonly DType[] = [...NUM, 'bool'];

// ---- deterministic random source --------------------------------------------------------------

/** mulberry32: a small seeded generator, so every run sees the same inputs. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

/** FNV-1a: a seed per (op, dtype), so adding an op does not change the inputs of the others. */
export function seedFor(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// ---- dtypes and PyTorch's type promotion -------------------------------------------------------

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** Converts a value the way storing it in a `d` tensor does (ints truncate, bool is v != 0). */
export function castValue(v: number, d: DType): number {
  switch (d) {
    case 'float32':
      return Math.fround(v);
    case 'float64':
      return v;
    case 'int32':
      return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case 'int64':
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'bool':
      return v !== 0 ? 1 : 0; // NaN is truthy
  }
}

/** bool < integer < floating. */
const category = (d: DType): number => (d === 'bool' ? 0 : isFloat(d) ? 2 : 1);
const width = (d: DType): number => ({ bool: 1, int32: 4, int64: 8, float32: 4, float64: 8 })[d];

/** torch.promote_types: the higher category wins, then the wider type. */
export function promote(a: DType, b: DType): DType {
  if (category(a) !== category(b)) return category(a) > category(b) ? a : b;
  return width(a) >= width(b) ? a : b;
}

/**
 * torch.result_type. Operands fall in three priority classes: tensors with dims, 0-d tensors,
 * JS numbers. A lower class changes the result only when its category is higher, and then it
 * brings its own dtype (a fractional JS number brings the default float32, an integer int64).
 */
export function resultType(operands: ReadonlyArray<Ref | number>): DType {
  const classes: Array<DType | undefined> = [undefined, undefined, undefined];
  for (const o of operands) {
    const [cls, d]: [number, DType] = typeof o === 'number' ? [2, Number.isInteger(o) ? 'int64' : 'float32'] : [o.shape.length > 0 ? 0 : 1, o.dtype];
    classes[cls] = classes[cls] === undefined ? d : promote(classes[cls]!, d);
  }
  let result: DType | undefined;
  for (const d of classes) {
    if (d === undefined) continue;
    if (result === undefined) result = d;
    else if (category(d) > category(result)) result = d;
  }
  return result ?? 'float32';
}

/** The dtype floating ops compute in: floating inputs keep theirs, ints and bool become float32. */
export const floatOf = (d: DType): DType => (isFloat(d) ? d : 'float32');

// ---- reference arrays ---------------------------------------------------------------------------

/** A reference tensor: row-major values as JS numbers (bool as 0/1). */
export interface Ref {
  shape: number[];
  dtype: DType;
  data: number[];
}

export const numelOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * The elements of `data` read as a strided array (element idx at offset + sum idx[i] *
 * strides[i]), in row-major order. Every view, broadcast and dim permutation below is a choice
 * of strides followed by this gather.
 */
function gather(data: readonly number[], shape: readonly number[], strides: readonly number[], offset: number): number[] {
  const n = numelOf(shape);
  const out = new Array<number>(n);
  const idx = new Array<number>(shape.length).fill(0);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = data[pos];
    // Odometer step: advance the last dim, carrying into the earlier ones.
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) {
        pos += strides[d];
        break;
      }
      pos -= (shape[d] - 1) * strides[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** `r` read through dims reordered by `order` (a permutation), as a new row-major Ref. */
function permuteRef(r: Ref, order: readonly number[]): Ref {
  const st = stridesOf(r.shape);
  const shape = order.map((d) => r.shape[d]);
  return { shape, dtype: r.dtype, data: gather(r.data, shape, order.map((d) => st[d]), 0) };
}

export function transposeRef(r: Ref, d0: number, d1: number): Ref {
  const order = [...r.shape.keys()];
  [order[d0], order[d1]] = [order[d1], order[d0]];
  return permuteRef(r, order);
}

/** Elements start, start + step, ... (`count` of them) along dim. */
export function sliceRef(r: Ref, dim: number, start: number, count: number, step: number): Ref {
  const st = stridesOf(r.shape);
  const shape = r.shape.slice();
  shape[dim] = count;
  const strides = st.slice();
  strides[dim] *= step;
  return { shape, dtype: r.dtype, data: gather(r.data, shape, strides, count > 0 ? start * st[dim] : 0) };
}

/** Broadcasts `r` to `shape`: size-1 and new leading dims repeat (stride 0). */
export function expandRef(r: Ref, shape: number[]): Ref {
  const st = stridesOf(r.shape);
  const lead = shape.length - r.shape.length;
  const strides = shape.map((_, i) => (i < lead || r.shape[i - lead] === 1 ? 0 : st[i - lead]));
  return { shape: shape.slice(), dtype: r.dtype, data: gather(r.data, shape, strides, 0) };
}

export function broadcastShapes(...shapes: ReadonlyArray<readonly number[]>): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(n).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = n - s.length + i;
      if (s[i] === out[j] || s[i] === 1) continue;
      if (out[j] !== 1) throw new Error(`reference: shapes ${JSON.stringify(shapes)} do not broadcast`);
      out[j] = s[i];
    }
  }
  return out;
}

/**
 * Elementwise map over broadcast operands: each operand's values are first converted to
 * `compute` (as PyTorch converts operands to the common dtype), f runs in float64, and its
 * result is stored as `out`.
 */
export function mapRefs(args: ReadonlyArray<Ref | number>, compute: DType, out: DType, f: (v: number[]) => number): Ref {
  const shape = broadcastShapes(...args.map((a) => (typeof a === 'number' ? [] : a.shape)));
  const n = numelOf(shape);
  const columns = args.map((a) =>
    typeof a === 'number' ? new Array<number>(n).fill(castValue(a, compute)) : expandRef(a, shape).data.map((v) => castValue(v, compute)),
  );
  const data = new Array<number>(n);
  const vals = new Array<number>(columns.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < columns.length; k++) vals[k] = columns[k][i];
    data[i] = castValue(f(vals), out);
  }
  return { shape, dtype: out, data };
}

/** Normalizes reduction dims as PyTorch does; a 0-d tensor accepts dim 0 and -1. */
function normDims(ndim: number, dim: number | number[] | undefined): number[] {
  if (dim === undefined) return [...Array(ndim).keys()];
  const list = typeof dim === 'number' ? [dim] : dim;
  if (ndim === 0) return [];
  return list.map((d) => (d < 0 ? d + ndim : d));
}

/**
 * Reduces `x` over `dim` (all dims when undefined): for every output position, f gets the
 * reduced values in row-major order of the reduced dims. The kept dims are moved in front of
 * the reduced ones, so each output's values are one contiguous run.
 */
export function reduceRef(x: Ref, dim: number | number[] | undefined, keepdim: boolean, out: DType, f: (vals: number[]) => number): Ref {
  const dims = normDims(x.shape.length, dim);
  const kept = [...x.shape.keys()].filter((d) => !dims.includes(d));
  const moved = permuteRef(x, [...kept, ...dims]).data;
  const run = numelOf(dims.map((d) => x.shape[d]));
  const data = new Array<number>(numelOf(kept.map((d) => x.shape[d])));
  for (let o = 0; o < data.length; o++) data[o] = castValue(f(moved.slice(o * run, (o + 1) * run)), out);
  const shape = keepdim ? x.shape.map((s, i) => (dims.includes(i) ? 1 : s)) : kept.map((d) => x.shape[d]);
  return { shape, dtype: out, data };
}

/** Applies g to every 1-d line along dim; g returns the line's new values (a scan). */
export function scanRef(x: Ref, dim: number, out: DType, g: (line: number[]) => number[]): Ref {
  if (x.shape.length === 0) return { shape: [], dtype: out, data: g([x.data[0]]).map((v) => castValue(v, out)) };
  const d = dim < 0 ? dim + x.shape.length : dim;
  // Move dim last, scan the contiguous lines, and read the result back in the original order.
  const order = [...[...x.shape.keys()].filter((k) => k !== d), d];
  const moved = permuteRef(x, order);
  const len = x.shape[d];
  const scanned: number[] = [];
  for (let o = 0; o < moved.data.length; o += len) for (const v of g(moved.data.slice(o, o + len))) scanned.push(v);
  const movedStrides = stridesOf(moved.shape);
  const back = new Array<number>(x.shape.length);
  order.forEach((k, j) => (back[k] = movedStrides[j]));
  return { shape: x.shape.slice(), dtype: out, data: gather(scanned, x.shape, back, 0).map((v) => castValue(v, out)) };
}

// ---- scalar references (PyTorch's documented definitions) ---------------------------------------

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erf to ~1e-15: the everywhere-positive series erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) /
 * (1*3*...*(2n+1)) below 3 (no cancellation), and the continued fraction of erfc above.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 500 && term > sum * 1e-17; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  return 1 - erfc(x);
}

/** erfc(x) for x >= 3: exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))). */
export function erfc(x: number): number {
  if (x === Infinity) return 0;
  let t = x;
  for (let n = 80; n >= 1; n--) t = x + n / 2 / t;
  return Math.exp(-x * x) / SQRT_PI / t;
}

/** Round half to even (torch.round), e.g. 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const frac = x - f; // exact for doubles
  if (frac !== 0.5) return frac < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Python's a % b (torch.remainder): the result takes the sign of the divisor. JS % is exact fmod. */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * Python's a // b (div with roundingMode 'floor', floorDivide): the floor of the exact quotient,
 * which rounding a / b first can miss (-5 // inf is -1, not -0). Division by zero follows IEEE
 * (PyTorch returns a / b there, where Python raises).
 */
export function pyFloorDiv(a: number, b: number): number {
  if (b === 0 || Number.isNaN(a) || Number.isNaN(b)) return a / b;
  if (!Number.isFinite(a)) return NaN;
  if (!Number.isFinite(b)) return a === 0 || a < 0 === b < 0 ? 0 : -1;
  const r = a % b; // exact; a - r is a multiple of b
  let q = Math.round((a - r) / b);
  if (r !== 0 && r < 0 !== b < 0) q -= 1;
  return q;
}

/** C's pow (what PyTorch computes): unlike Math.pow, pow(1, y) = 1 and pow(-1, +-inf) = 1. */
export function cPow(a: number, b: number): number {
  if (a === 1 || b === 0) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const truthy = (v: number): boolean => v !== 0; // NaN is truthy, as in PyTorch

// ---- sample inputs --------------------------------------------------------------------------------

/** How a sample tensor is made non-contiguous; the reference replays the same steps. */
export type ViewStep =
  | { kind: 't' }
  | { kind: 'transpose'; dim0: number; dim1: number }
  | { kind: 'slice'; dim: number; start: number; step: number }
  | { kind: 'narrow'; dim: number; start: number; length: number }
  | { kind: 'expand'; shape: number[] };

export interface TensorArg {
  base: Ref;
  views: ViewStep[];
}
/** An operand: a tensor, or a JS number passed as a scalar. */
export type Arg = TensorArg | number;
export type Opts = Record<string, unknown>;

export interface Sample {
  desc: string;
  args: Arg[];
  opts: Opts;
  /** The call must throw (PyTorch raises too). */
  error?: boolean;
}

const isTensorArg = (a: Arg): a is TensorArg => typeof a !== 'number';

/** The dtype that also gets samples big enough for the multithreaded and blocked kernel paths. */
const LARGE_DTYPE: DType = 'float32';

/** The logical (row-major) values of a sample operand, by the views applied to its base. */
export function logical(a: Arg): Ref | number {
  if (!isTensorArg(a)) return a;
  let r = a.base;
  for (const v of a.views) {
    if (v.kind === 't') r = transposeRef(r, 0, 1);
    else if (v.kind === 'transpose') r = transposeRef(r, v.dim0, v.dim1);
    else if (v.kind === 'slice') r = sliceRef(r, v.dim, v.start, Math.ceil((r.shape[v.dim] - v.start) / v.step), v.step);
    else if (v.kind === 'narrow') r = sliceRef(r, v.dim, v.start, v.length, 1);
    else r = expandRef(r, v.shape);
  }
  return r;
}

/** The shape of a sample operand after its views (without computing its values). */
export function logicalShape(a: TensorArg): number[] {
  let shape = a.base.shape.slice();
  for (const v of a.views) {
    if (v.kind === 't') shape = [shape[1], shape[0]];
    else if (v.kind === 'transpose') [shape[v.dim0], shape[v.dim1]] = [shape[v.dim1], shape[v.dim0]];
    else if (v.kind === 'slice') shape[v.dim] = Math.ceil((shape[v.dim] - v.start) / v.step);
    else if (v.kind === 'narrow') shape[v.dim] = v.length;
    else shape = v.shape.slice();
  }
  return shape;
}

/** Typed arrays kiln.tensor copies directly (bool goes through a Uint8Array). */
function typedData(r: Ref): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array {
  switch (r.dtype) {
    case 'float32':
      return Float32Array.from(r.data);
    case 'float64':
      return Float64Array.from(r.data);
    case 'int32':
      return Int32Array.from(r.data);
    case 'int64':
      return BigInt64Array.from(r.data, (v) => BigInt(v));
    case 'bool':
      return Uint8Array.from(r.data);
  }
}

/** The kiln tensor of a sample operand, with its views applied through kiln's view ops. */
export function materialize(a: Arg, device = 'cpu'): kiln.Tensor | number {
  if (!isTensorArg(a)) return a;
  const { base } = a;
  let t = kiln.tensor(typedData(base), { dtype: base.dtype, device }).reshape(base.shape);
  for (const v of a.views) {
    if (v.kind === 't') t = t.t();
    else if (v.kind === 'transpose') t = t.transpose(v.dim0, v.dim1);
    else if (v.kind === 'slice') t = t.index(...Array<string>(v.dim).fill(':'), `${v.start}::${v.step}`);
    else if (v.kind === 'narrow') t = t.narrow(v.dim, v.start, v.length);
    else t = t.expand(v.shape);
  }
  return t;
}

const SHORT: Record<DType, string> = { float32: 'f32', float64: 'f64', int32: 'i32', int64: 'i64', bool: 'bool' };

export function describeArg(a: Arg): string {
  if (!isTensorArg(a)) return String(a);
  let s = `${SHORT[a.base.dtype]}[${a.base.shape.join(',')}]`;
  for (const v of a.views) {
    if (v.kind === 't') s += '.t()';
    else if (v.kind === 'transpose') s += `.transpose(${v.dim0},${v.dim1})`;
    else if (v.kind === 'slice') s += `.index(${[...Array<string>(v.dim).fill("':'"), `'${v.start}::${v.step}'`].join(',')})`;
    else if (v.kind === 'narrow') s += `.narrow(${v.dim},${v.start},${v.length})`;
    else s += `.expand([${v.shape.join(',')}])`;
  }
  return s;
}

/** The values random inputs are drawn from. */
export interface Domain {
  float: (r: Rng) => number;
  int: (r: Rng) => number;
  /** Edge values for floating inputs: signed zeros, rounding ties, infinities, NaN. */
  specials?: readonly number[];
}

export const SPECIALS: readonly number[] = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, 3.75, -7.25, 1e-3, 100, -100, Infinity, -Infinity, NaN];
/** Fewer specials for binary ops, whose special sample is every pair. */
export const PAIR_SPECIALS: readonly number[] = [0, -0, 1, -1, 2.5, -2.5, Infinity, -Infinity, NaN];

export const STANDARD: Domain = { float: (r) => r.normal() * 2, int: (r) => r.int(-9, 9), specials: SPECIALS };

function randomValue(r: Rng, d: DType, dom: Domain): number {
  if (d === 'bool') return r.next() < 0.5 ? 1 : 0;
  return castValue(isFloat(d) ? dom.float(r) : dom.int(r), d);
}

export function randomRef(r: Rng, shape: number[], d: DType, dom: Domain = STANDARD): Ref {
  return { shape, dtype: d, data: Array.from({ length: numelOf(shape) }, () => randomValue(r, d, dom)) };
}

/** A contiguous random tensor operand. */
export function rand(r: Rng, shape: number[], d: DType, dom: Domain = STANDARD, views: ViewStep[] = []): TensorArg {
  return { base: randomRef(r, shape, d, dom), views };
}

/** A tensor operand holding exactly `values`. */
export function fixed(values: readonly number[], shape: number[], d: DType): TensorArg {
  return { base: { shape, dtype: d, data: values.map((v) => castValue(v, d)) }, views: [] };
}

/** A JS number operand of the kind that fits `d` (integral for int and bool tensors). */
function scalarFor(r: Rng, d: DType, dom: Domain): number {
  const v = isFloat(d) ? dom.float(r) : dom.int(r);
  // Keep scalars short in test names; the tensor data stays full precision.
  return isFloat(d) ? Math.round(v * 8) / 8 || 0.125 : v;
}

const sample = (args: Arg[], opts: Opts = {}, extra = ''): Sample => ({
  desc: [args.map(describeArg).join(', '), Object.keys(opts).length ? JSON.stringify(opts) : '', extra].filter(Boolean).join(' '),
  args,
  opts,
});

/** Cycles through option sets so each sample uses one (keeps the test count down). */
const cycle = (optsList: readonly Opts[]) => (i: number): Opts => optsList[i % optsList.length] ?? {};

// ---- op entries -----------------------------------------------------------------------------------

export type Family = 'unary' | 'binary' | 'ternary' | 'reduce' | 'matmul';
type Operand = kiln.Tensor | number;

export interface OpEntry {
  /** Unique id for test names: the op name, or name.variant. */
  id: string;
  /** The name kiln registers the op under. */
  name: string;
  family: Family;
  /** False for entries that are not ops of their own in the registry (x.max(dim)). */
  registered: boolean;
  /** Dtypes of the main inputs the op accepts. */
  dtypes: readonly DType[];
  /** Dtypes the op must reject with an error, as PyTorch does. */
  rejects: readonly DType[];
  /** Samples whose main inputs have `dtype`; 'mixed' gives the type-promotion samples. */
  samples: (dtype: DType | 'mixed', r: Rng) => Sample[];
  run: (args: Operand[], opts: Opts) => kiln.Tensor | kiln.Tensor[];
  reference: (args: Array<Ref | number>, opts: Opts) => Ref | Ref[];
  /** Multiplies the float tolerances, for composite formulas and long accumulations. */
  tol: number;
}

const T = (x: Operand): kiln.Tensor => x as kiln.Tensor;
const R = (x: Ref | number): Ref => x as Ref;

// ---- unary -------------------------------------------------------------------------------------------

/**
 * PyTorch's dtype behaviour of an elementwise op: 'float' computes in floating point (ints and
 * bool promote to float32); 'num' keeps the dtype and rejects bool; 'all' keeps any dtype;
 * 'pred' accepts any dtype and returns bool; 'cmp' (binary) compares in the promoted dtype.
 */
type Kind = 'float' | 'num' | 'all' | 'pred' | 'cmp';

interface UnarySpec {
  name: string;
  variant?: string;
  kind: Kind;
  f: (x: number, o: Opts) => number;
  domain?: Domain;
  opts?: readonly Opts[];
  run?: (x: kiln.Tensor, o: Opts) => kiln.Tensor;
  /** Output dtype when it depends on the options (clamp's fractional bounds). */
  outDType?: (x: Ref, o: Opts) => DType;
  tol?: number;
  dtypes?: readonly DType[];
  rejects?: readonly DType[];
}

function unarySamples(d: DType | 'mixed', r: Rng, dom: Domain, opts: (i: number) => Opts): Sample[] {
  if (d === 'mixed') return [];
  const A = (shape: number[], views: ViewStep[] = []) => rand(r, shape, d, dom, views);
  const list: Array<[Arg, string?]> = [
    [A([4, 5])],
    [A([])],
    [A([0])],
    [A([2, 0, 3])],
    [A([5, 4], [{ kind: 't' }])],
    [A([6, 8], [{ kind: 'slice', dim: 1, start: 1, step: 2 }])],
    [A([7, 3], [{ kind: 'narrow', dim: 0, start: 2, length: 4 }])],
    [A([1, 5], [{ kind: 'expand', shape: [3, 5] }])],
    [A([2, 3, 4], [{ kind: 'transpose', dim0: 0, dim1: 2 }])],
    [A([3, 17])],
  ];
  if (isFloat(d) && dom.specials) list.push([fixed(dom.specials, [dom.specials.length], d), 'specials']);
  // Over the kernels' parallel grain (32768 elements), strided: threads start mid-row.
  if (d === LARGE_DTYPE) list.push([A([300, 130], [{ kind: 't' }]), 'large']);
  return list.map(([a, extra], i) => sample([a], opts(i), extra));
}

function unary(spec: UnarySpec): OpEntry {
  const { kind } = spec;
  const outOf = (d: DType): DType => (kind === 'float' ? floatOf(d) : kind === 'pred' ? 'bool' : d);
  return {
    id: spec.variant ? `${spec.name}.${spec.variant}` : spec.name,
    name: spec.name,
    family: 'unary',
    registered: true,
    dtypes: spec.dtypes ?? (kind === 'num' ? NUM : ALL),
    rejects: spec.rejects ?? (kind === 'num' ? ['bool'] : []),
    samples: (d, r) => unarySamples(d, r, spec.domain ?? STANDARD, cycle(spec.opts ?? [{}])),
    run: (args, o) => (spec.run ? spec.run(T(args[0]), o) : (kiln as unknown as Record<string, (x: kiln.Tensor) => kiln.Tensor>)[spec.name](T(args[0]))),
    reference: (args, o) => {
      const x = R(args[0]);
      const out = spec.outDType ? spec.outDType(x, o) : outOf(x.dtype);
      const compute = kind === 'pred' ? x.dtype : out;
      return mapRefs([x], compute, out, (v) => spec.f(v[0], o));
    },
    tol: spec.tol ?? 1,
  };
}

/** Values with exact halves, for the rounding ops. */
const ROUNDING: Domain = {
  float: (r) => (r.next() < 0.5 ? r.int(-10, 10) / 2 : r.normal() * 3),
  int: (r) => r.int(-9, 9),
  specials: SPECIALS,
};
const TAN: Domain = { float: (r) => r.uniform(-1.4, 1.4), int: (r) => r.int(-3, 3), specials: SPECIALS };
const WIDE: Domain = { float: (r) => r.normal() * 4, int: (r) => r.int(-9, 9), specials: SPECIALS };

const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

// The activations (gelu, silu, softplus, leakyRelu, elu) take floating inputs only in PyTorch;
// kiln also accepts integer and bool inputs (computing in float32), which is not asserted.
const UNARY: OpEntry[] = [
  unary({ name: 'neg', kind: 'num', f: (x) => -x }),
  unary({ name: 'abs', kind: 'num', f: (x) => Math.abs(x) }),
  // NaN -> NaN, as NumPy. PyTorch returns 0 for NaN (its open issue #41245); kiln propagates.
  // PyTorch also accepts bool (returning bool); kiln rejects bool like the other 'num' ops.
  // torch.sign(NaN) is 0: NaN compares neither above nor below zero.
  unary({ name: 'sign', kind: 'num', f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), rejects: [] }),
  unary({ name: 'exp', kind: 'float', f: Math.exp, domain: WIDE }),
  unary({ name: 'expm1', kind: 'float', f: Math.expm1, domain: WIDE }),
  unary({ name: 'log', kind: 'float', f: Math.log }),
  unary({ name: 'log1p', kind: 'float', f: Math.log1p }),
  unary({ name: 'log2', kind: 'float', f: Math.log2 }),
  unary({ name: 'sqrt', kind: 'float', f: Math.sqrt }),
  unary({ name: 'rsqrt', kind: 'float', f: (x) => 1 / Math.sqrt(x) }),
  // PyTorch's square of bool gives int64; kiln rejects bool.
  unary({ name: 'square', kind: 'num', f: (x) => x * x, rejects: [] }),
  unary({ name: 'reciprocal', kind: 'float', f: (x) => 1 / x }),
  unary({ name: 'sin', kind: 'float', f: Math.sin }),
  unary({ name: 'cos', kind: 'float', f: Math.cos }),
  unary({ name: 'tan', kind: 'float', f: Math.tan, domain: TAN }),
  unary({ name: 'tanh', kind: 'float', f: Math.tanh }),
  unary({ name: 'sigmoid', kind: 'float', f: sigmoid, domain: WIDE }),
  unary({ name: 'relu', kind: 'num', f: (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0)) }),
  unary({ name: 'gelu', kind: 'float', dtypes: FLOAT, rejects: [], f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) }),
  unary({
    name: 'gelu',
    variant: 'tanh',
    kind: 'float',
    dtypes: FLOAT,
    rejects: [],
    f: geluTanh,
    run: (x) => kiln.gelu(x, { approximate: 'tanh' }),
    tol: 2,
  }),
  // x * sigmoid(x), written as PyTorch's docs do.
  unary({ name: 'silu', kind: 'float', dtypes: FLOAT, rejects: [], f: (x) => x / (1 + Math.exp(-x)) }),
  unary({
    name: 'softplus',
    kind: 'float',
    // 1/beta * log(1 + exp(beta x)), and x itself once beta x exceeds the threshold.
    f: (x, o) => {
      const beta = (o.beta as number | undefined) ?? 1;
      const threshold = (o.threshold as number | undefined) ?? 20;
      return beta * x > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;
    },
    opts: [{}, { beta: 2, threshold: 3 }, { beta: 0.5 }],
    dtypes: FLOAT,
    rejects: [],
    run: (x, o) => kiln.softplus(x, o),
    domain: WIDE,
  }),
  unary({
    name: 'leakyRelu',
    kind: 'float',
    f: (x, o) => (x > 0 ? x : ((o.slope as number | undefined) ?? 0.01) * x),
    opts: [{}, { slope: 0.2 }],
    dtypes: FLOAT,
    rejects: [],
    run: (x, o) => (o.slope === undefined ? kiln.leakyRelu(x) : kiln.leakyRelu(x, o.slope as number)),
  }),
  unary({
    name: 'elu',
    kind: 'float',
    f: (x, o) => (x > 0 ? x : ((o.alpha as number | undefined) ?? 1) * Math.expm1(x)),
    opts: [{}, { alpha: 0.5 }],
    dtypes: FLOAT,
    rejects: [],
    run: (x, o) => (o.alpha === undefined ? kiln.elu(x) : kiln.elu(x, o.alpha as number)),
  }),
  unary({ name: 'erf', kind: 'float', f: erf }),
  unary({ name: 'floor', kind: 'num', f: Math.floor, domain: ROUNDING }),
  unary({ name: 'ceil', kind: 'num', f: Math.ceil, domain: ROUNDING }),
  unary({ name: 'round', kind: 'num', f: roundHalfEven, domain: ROUNDING }),
  unary({ name: 'trunc', kind: 'num', f: Math.trunc, domain: ROUNDING }),
  unary({
    name: 'clamp',
    kind: 'num',
    // min(max(x, min), max): with min > max every element becomes max. NaN stays NaN.
    f: (x, o) => {
      if (Number.isNaN(x)) return NaN;
      const y = o.min === null ? x : Math.max(x, o.min as number);
      return o.max === null ? y : Math.min(y, o.max as number);
    },
    // Integer inputs clamped by fractional bounds become float32, as in PyTorch.
    outDType: (x, o) => resultType([x, ...[o.min, o.max].filter((v): v is number => v !== null)]),
    opts: [
      { min: -1, max: 2 },
      { min: -0.5, max: 0.75 },
      { min: null, max: 1 },
      { min: -2, max: null },
      { min: 1, max: -1 },
    ],
    run: (x, o) => kiln.clamp(x, o.min as number | null, o.max as number | null),
    // PyTorch clamps bool tensors too (promoting to the bounds' int64); kiln rejects them.
    rejects: [],
  }),
  unary({ name: 'isnan', kind: 'pred', f: (x) => +Number.isNaN(x) }),
  unary({ name: 'isinf', kind: 'pred', f: (x) => +(x === Infinity || x === -Infinity) }),
  unary({ name: 'isfinite', kind: 'pred', f: (x) => +Number.isFinite(x) }),
  unary({ name: 'logicalNot', kind: 'pred', f: (x) => +!truthy(x) }),
];

// ---- binary ------------------------------------------------------------------------------------------

interface BinarySpec {
  name: string;
  variant?: string;
  kind: Kind;
  f: (a: number, b: number, o: Opts) => number;
  /** Domains of the two operands (the second one must avoid zero for integer division). */
  domains?: [Domain, Domain];
  /** Option sets to cycle through; a function of the main dtype when they depend on it. */
  opts?: (d: DType | 'mixed') => readonly Opts[];
  run?: (a: Operand, b: Operand, o: Opts) => kiln.Tensor;
  tol?: number;
  rejects?: readonly DType[];
}

/** Type promotion cases: [dtype or 0-d dtype or JS number, ...] pairs. */
type Side = DType | `0d:${DType}` | 'int' | 'frac';
const PROMOTIONS: ReadonlyArray<[Side, Side]> = [
  ['int32', 'float32'],
  ['float32', 'int32'],
  ['int64', 'int32'],
  ['int32', 'int64'],
  ['bool', 'int32'],
  ['bool', 'float64'],
  ['float32', 'float64'],
  ['int64', 'float32'],
  ['int32', '0d:int64'], // a 0-d tensor does not widen a dimensioned one: int32
  ['int32', '0d:float64'], // ... unless it is of a higher category: float64
  ['float32', '0d:float64'], // float32
  ['0d:int64', 'float32'],
  ['bool', '0d:int32'],
  ['int32', 'frac'], // int tensor + 2.5 -> float32
  ['int32', 'int'], // int32 tensor + 3 -> int32
  ['int64', 'frac'],
  ['float64', 'int'],
  ['frac', 'int32'],
  ['int', 'float32'],
  ['bool', 'int'], // bool tensor + 3 -> int64
];

function sideDTypes(s: Side): DType[] {
  if (s === 'int' || s === 'frac') return [];
  return [s.startsWith('0d:') ? (s.slice(3) as DType) : (s as DType)];
}

function promotionSamples(r: Rng, shapes: number[][], doms: readonly Domain[], accepts: readonly DType[], opts: (i: number) => Opts, arity: 2 | 3 = 2): Sample[] {
  const out: Sample[] = [];
  PROMOTIONS.forEach(([s0, s1], i) => {
    if (![...sideDTypes(s0), ...sideDTypes(s1)].every((d) => accepts.includes(d))) return;
    const make = (s: Side, k: number): Arg => {
      const dom = doms[k];
      if (s === 'int') return dom.int(r) || 3;
      if (s === 'frac') return (Math.round(dom.float(r) * 4) + 0.5) / 4;
      if (s.startsWith('0d:')) return rand(r, [], s.slice(3) as DType, dom);
      return rand(r, shapes[k], s as DType, dom);
    };
    if (arity === 2) {
      const args = [make(s0, 0), make(s1, 1)];
      if (!args.every((a) => typeof a === 'number')) out.push(sample(args, opts(i)));
      return;
    }
    // Ternary ops (lerp): the pair goes to the input, which must be a tensor, and the last
    // operand (the weight); the middle one is a float32 tensor that promotes like any other.
    if (s0 === 'int' || s0 === 'frac') return;
    out.push(sample([make(s0, 0), rand(r, shapes[1], 'float32', doms[1]), make(s1, 2)], opts(i)));
  });
  return out;
}

function binarySamples(d: DType | 'mixed', r: Rng, spec: BinarySpec, accepts: readonly DType[]): Sample[] {
  const [da, db] = spec.domains ?? [STANDARD, STANDARD];
  const opts = cycle(spec.opts ? spec.opts(d) : [{}]);
  if (d === 'mixed') return promotionSamples(r, [[3, 4], [3, 4]], [da, db], accepts, opts);
  const A = (shape: number[], views: ViewStep[] = []) => rand(r, shape, d, da, views);
  const B = (shape: number[], views: ViewStep[] = []) => rand(r, shape, d, db, views);
  const list: Arg[][] = [
    [A([3, 4]), B([3, 4])],
    [A([3, 1, 4]), B([2, 4])],
    [A([5]), B([])],
    [A([]), B([5])],
    [A([]), B([])],
    [A([4, 3], [{ kind: 't' }]), B([3, 8], [{ kind: 'slice', dim: 1, start: 0, step: 2 }])],
    [A([1, 4], [{ kind: 'expand', shape: [3, 4] }]), B([5, 4], [{ kind: 'narrow', dim: 0, start: 1, length: 3 }])],
    [A([4, 3, 2], [{ kind: 'transpose', dim0: 0, dim1: 2 }]), B([3, 1])],
    [A([0]), B([0])],
    [A([2, 0, 3]), B([3])],
    [A([3, 33]), B([3, 33])],
  ];
  // JS numbers on either side (bool tensors get theirs in the promotion samples).
  if (d !== 'bool') list.push([A([4, 3]), scalarFor(r, d, db)], [scalarFor(r, d, da), B([2, 3])]);
  if (d === LARGE_DTYPE) list.push([A([300, 130], [{ kind: 't' }]), B([130, 1])]);
  const samples = list.map((args, i) => sample(args, opts(i)));
  if (isFloat(d)) {
    // Every pair of special values: NaN propagation, infinities, signed zeros.
    const sa = da.specials === SPECIALS ? PAIR_SPECIALS : da.specials;
    const sb = db.specials === SPECIALS ? PAIR_SPECIALS : db.specials;
    if (sa && sb) samples.push(sample([fixed(sa, [sa.length, 1], d), fixed(sb, [sb.length], d)], opts(list.length), 'specials'));
  }
  return samples;
}

function binary(spec: BinarySpec): OpEntry {
  const { kind } = spec;
  const dtypes = kind === 'num' ? NUM : ALL;
  return {
    id: spec.variant ? `${spec.name}.${spec.variant}` : spec.name,
    name: spec.name,
    family: 'binary',
    registered: true,
    dtypes,
    rejects: spec.rejects ?? (kind === 'num' ? ['bool'] : []),
    samples: (d, r) => binarySamples(d, r, spec, dtypes),
    run: (args, o) =>
      spec.run ? spec.run(args[0], args[1], o) : (kiln as unknown as Record<string, (a: Operand, b: Operand) => kiln.Tensor>)[spec.name](args[0], args[1]),
    reference: (args, o) => {
      const promoted = resultType(args);
      const compute = kind === 'float' ? floatOf(promoted) : promoted;
      return mapRefs(args, compute, kind === 'cmp' ? 'bool' : compute, (v) => spec.f(v[0], v[1], o));
    },
    tol: spec.tol ?? 1,
  };
}

/** Divisors: integers avoid 0 (PyTorch raises on integer division by zero; kiln returns 0). */
const DIVISOR: Domain = { float: (r) => r.normal() * 2, int: (r) => r.pick([-1, 1]) * r.int(1, 5), specials: SPECIALS };
const DIVIDEND: Domain = { float: (r) => r.normal() * 6, int: (r) => r.int(-20, 20), specials: SPECIALS };
/** Comparisons see many equal pairs on a coarse grid. */
const GRID: Domain = { float: (r) => r.int(-3, 3) / 2, int: (r) => r.int(-3, 3), specials: SPECIALS };
const LOGICAL: Domain = { float: (r) => r.pick([0, 0, 1.5, -2]), int: (r) => r.pick([0, 0, 1, -3]), specials: SPECIALS };
/** pow: mostly positive bases, exponents that keep results moderate; integer exponents >= 0. */
const POW_BASE: Domain = { float: (r) => (r.next() < 0.8 ? r.uniform(0.1, 3) : r.normal() * 2), int: (r) => r.int(-4, 4), specials: SPECIALS };
const POW_EXP: Domain = { float: (r) => (r.next() < 0.3 ? r.int(-2, 3) : r.uniform(-2, 3)), int: (r) => r.int(0, 4), specials: SPECIALS };

const alphaOpts = (d: DType | 'mixed'): readonly Opts[] => (d === 'bool' || d === 'mixed' ? [{}] : [{}, { alpha: 2 }, { alpha: -3 }]);
const cmp = (name: string, f: (a: number, b: number) => boolean): OpEntry =>
  binary({ name, kind: 'cmp', f: (a, b) => +f(a, b), domains: [GRID, GRID] });
const logicalOp = (name: string, f: (a: boolean, b: boolean) => boolean): OpEntry =>
  binary({ name, kind: 'cmp', f: (a, b) => +f(truthy(a), truthy(b)), domains: [LOGICAL, LOGICAL] });

const BINARY: OpEntry[] = [
  binary({ name: 'add', kind: 'all', f: (a, b, o) => a + ((o.alpha as number | undefined) ?? 1) * b, opts: alphaOpts, run: (a, b, o) => kiln.add(a, b, o) }),
  binary({ name: 'sub', kind: 'num', f: (a, b, o) => a - ((o.alpha as number | undefined) ?? 1) * b, opts: alphaOpts, run: (a, b, o) => kiln.sub(a, b, o) }),
  binary({ name: 'mul', kind: 'all', f: (a, b) => a * b }),
  // True division always gives a float (int / int -> float32).
  binary({ name: 'div', kind: 'float', f: (a, b) => a / b, domains: [DIVIDEND, DIVISOR], run: (a, b) => kiln.div(a, b) }),
  binary({
    name: 'div',
    variant: 'trunc',
    kind: 'num',
    f: (a, b) => Math.trunc(a / b),
    domains: [DIVIDEND, DIVISOR],
    run: (a, b) => kiln.div(a, b, { roundingMode: 'trunc' }),
  }),
  binary({ name: 'div', variant: 'floor', kind: 'num', f: pyFloorDiv, domains: [DIVIDEND, DIVISOR], run: (a, b) => kiln.div(a, b, { roundingMode: 'floor' }) }),
  binary({ name: 'floorDivide', kind: 'num', f: pyFloorDiv, domains: [DIVIDEND, DIVISOR] }),
  binary({ name: 'remainder', kind: 'num', f: pyMod, domains: [DIVIDEND, DIVISOR] }),
  binary({ name: 'pow', kind: 'num', f: cPow, domains: [POW_BASE, POW_EXP], tol: 2 }),
  // NaN in either operand gives NaN (unlike fmax).
  binary({ name: 'maximum', kind: 'all', f: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)) }),
  binary({ name: 'minimum', kind: 'all', f: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)) }),
  binary({ name: 'atan2', kind: 'float', f: Math.atan2 }),
  cmp('eq', (a, b) => a === b),
  cmp('ne', (a, b) => a !== b),
  cmp('lt', (a, b) => a < b),
  cmp('le', (a, b) => a <= b),
  cmp('gt', (a, b) => a > b),
  cmp('ge', (a, b) => a >= b),
  logicalOp('logicalAnd', (a, b) => a && b),
  logicalOp('logicalOr', (a, b) => a || b),
  logicalOp('logicalXor', (a, b) => a !== b),
];

// ---- ternary -----------------------------------------------------------------------------------------

interface TernarySpec {
  name: string;
  kind: Kind;
  dtypes: readonly DType[];
  rejects: readonly DType[];
  domains: [Domain, Domain, Domain];
  f: (a: number, b: number, c: number, o: Opts) => number;
  opts?: readonly Opts[];
  run: (args: Operand[], o: Opts) => kiln.Tensor;
  /** Which operands may be JS numbers (PyTorch takes tensors for the rest). */
  scalarSlots: readonly number[];
  /** Whether PyTorch promotes mixed dtypes (lerp insists on one dtype). */
  promotes: boolean;
  tol?: number;
}

function ternarySamples(d: DType | 'mixed', r: Rng, spec: TernarySpec): Sample[] {
  const opts = cycle(spec.opts ?? [{}]);
  const doms = spec.domains;
  if (d === 'mixed') {
    if (!spec.promotes) return [];
    if (spec.scalarSlots.length === 0) {
      // Tensor-only ops: promote by tensors (and 0-d tensors) only.
      const out: Sample[] = [];
      const pairs: Array<[DType, DType, DType]> = [['int32', 'float32', 'float32'], ['float32', 'float64', 'float32'], ['int64', 'int32', 'int32']];
      pairs.forEach(([x, y, z], i) => {
        if (![x, y, z].every((t) => spec.dtypes.includes(t))) return;
        out.push(sample([rand(r, [3, 4], x, doms[0]), rand(r, [3, 4], y, doms[1]), rand(r, [], z, doms[2])], opts(i)));
      });
      return out;
    }
    return promotionSamples(r, [[3, 4], [3, 4], [3, 4]], doms, spec.dtypes, opts, 3);
  }
  const X = (k: number, shape: number[], views: ViewStep[] = []) => rand(r, shape, d, doms[k], views);
  const list: Arg[][] = [
    [X(0, [3, 4]), X(1, [3, 4]), X(2, [3, 4])],
    [X(0, [3, 1, 4]), X(1, [2, 4]), X(2, [])],
    [X(0, []), X(1, [5]), X(2, [2, 1])],
    [X(0, [4, 3], [{ kind: 't' }]), X(1, [3, 8], [{ kind: 'slice', dim: 1, start: 1, step: 2 }]), X(2, [1, 4], [{ kind: 'expand', shape: [3, 4] }])],
    [X(0, [2, 0, 3]), X(1, [3]), X(2, [1, 1])],
    [X(0, []), X(1, []), X(2, [])],
  ];
  for (const slot of spec.scalarSlots) {
    const args = [X(0, [2, 5]), X(1, [2, 5]), X(2, [2, 5])] as Arg[];
    args[slot] = scalarFor(r, d, doms[slot]);
    list.push(args);
  }
  return list.map((args, i) => sample(args, opts(i)));
}

function ternary(spec: TernarySpec): OpEntry {
  return {
    id: spec.name,
    name: spec.name,
    family: 'ternary',
    registered: true,
    dtypes: spec.dtypes,
    rejects: spec.rejects,
    samples: (d, r) => ternarySamples(d, r, spec),
    run: spec.run,
    reference: (args, o) => {
      const promoted = resultType(args);
      const compute = spec.kind === 'float' ? floatOf(promoted) : promoted;
      return mapRefs(args, compute, compute, (v) => spec.f(v[0], v[1], v[2], o));
    },
    tol: spec.tol ?? 1,
  };
}

const AWAY_FROM_ZERO: Domain = { float: (r) => r.pick([-1, 1]) * r.uniform(0.5, 3), int: (r) => r.pick([-1, 1]) * r.int(1, 4) };
const WEIGHT: Domain = { float: (r) => r.uniform(-0.25, 1.25), int: (r) => r.int(0, 1) };
const MODERATE: Domain = { float: (r) => r.normal() * 2, int: (r) => r.int(-9, 9) };

/** where(cond, a, b): its own samples, since the condition is always bool. */
function whereSamples(d: DType | 'mixed', r: Rng): Sample[] {
  const C = (shape: number[], views: ViewStep[] = []) => rand(r, shape, 'bool', STANDARD, views);
  if (d === 'mixed') {
    const pairs: Array<[Arg, Arg]> = [
      [rand(r, [3, 4], 'int32'), rand(r, [3, 4], 'float32')],
      [rand(r, [3, 4], 'float64'), rand(r, [3, 4], 'int64')],
      [rand(r, [3, 4], 'int64'), rand(r, [], 'int32')],
      [rand(r, [3, 4], 'int32'), 2.5],
      [rand(r, [3, 4], 'bool'), 0],
      [1, rand(r, [3, 4], 'float64')],
    ];
    return pairs.map(([a, b]) => sample([C([3, 4]), a, b]));
  }
  const X = (shape: number[], views: ViewStep[] = []) => rand(r, shape, d, STANDARD, views);
  const list: Arg[][] = [
    [C([3, 4]), X([3, 4]), X([3, 4])],
    [C([3, 1]), X([4]), X([])],
    [C([]), X([2, 3]), X([2, 3])],
    [C([4, 3], [{ kind: 't' }]), X([3, 8], [{ kind: 'slice', dim: 1, start: 0, step: 2 }]), X([1, 4], [{ kind: 'expand', shape: [3, 4] }])],
    [C([2, 0, 3]), X([3]), X([2, 1, 1])],
  ];
  if (d !== 'bool') list.push([C([2, 5]), X([2, 5]), scalarFor(r, d, STANDARD)], [C([2, 5]), scalarFor(r, d, STANDARD), X([2, 5])]);
  return list.map((args) => sample(args));
}

const TERNARY: OpEntry[] = [
  {
    id: 'where',
    name: 'where',
    family: 'ternary',
    registered: true,
    dtypes: ALL,
    rejects: [],
    samples: whereSamples,
    run: (args) => kiln.where(T(args[0]), args[1], args[2]),
    reference: (args) => {
      const out = resultType(args.slice(1));
      return mapRefs([args[0], ...args.slice(1)], out, out, ([c, a, b]) => (truthy(c) ? a : b));
    },
    tol: 1,
  },
  // a + weight * (b - a). PyTorch wants floating tensors of one dtype; kiln promotes mixed and
  // integer inputs, which is not asserted either way.
  ternary({
    name: 'lerp',
    kind: 'float',
    dtypes: FLOAT,
    rejects: [],
    domains: [MODERATE, MODERATE, WEIGHT],
    f: (a, b, w) => a + w * (b - a),
    run: (args) => kiln.lerp(T(args[0]), args[1], args[2]),
    scalarSlots: [2],
    promotes: false,
  }),
  ternary({
    name: 'addcmul',
    kind: 'num',
    dtypes: NUM,
    rejects: ['bool'],
    domains: [STANDARD, STANDARD, STANDARD],
    f: (a, b, c, o) => a + ((o.value as number | undefined) ?? 1) * b * c,
    opts: [{}, { value: 2 }, { value: -3 }],
    run: (args, o) => kiln.addcmul(T(args[0]), T(args[1]), T(args[2]), o),
    scalarSlots: [],
    promotes: true,
    tol: 2,
  }),
  // PyTorch rejects integer addcdiv; kiln computes it in float32, so ints are not rejected.
  ternary({
    name: 'addcdiv',
    kind: 'float',
    dtypes: FLOAT,
    rejects: [],
    domains: [STANDARD, STANDARD, AWAY_FROM_ZERO],
    f: (a, b, c, o) => a + ((o.value as number | undefined) ?? 1) * (b / c),
    opts: [{}, { value: 0.5 }, { value: -2 }],
    run: (args, o) => kiln.addcdiv(T(args[0]), T(args[1]), T(args[2]), o),
    scalarSlots: [],
    promotes: true,
    tol: 4,
  }),
];

// ---- reductions --------------------------------------------------------------------------------------

type DimArg = number | number[] | undefined;

/** Which dims a reduction takes: any set ('multi'), one or none ('single'), exactly one ('scan'). */
type DimStyle = 'multi' | 'single' | 'dim' | 'scan';

interface ReduceSpec {
  name: string;
  variant?: string;
  registered?: boolean;
  style: DimStyle;
  dtypes: readonly DType[];
  rejects: readonly DType[];
  domain?: Domain;
  opts?: readonly Opts[];
  /** Reduction over an empty dim throws (amax, argmax, ...). */
  emptyThrows?: boolean;
  /** Whether to run the large samples (products of thousands of values under- or overflow). */
  large?: boolean;
  /** Samples with a dtype option, for the 'mixed' axis. */
  mixed?: (r: Rng) => Sample[];
  run: (x: kiln.Tensor, dim: DimArg, keepdim: boolean, o: Opts) => kiln.Tensor | kiln.Tensor[];
  reference: (x: Ref, dim: DimArg, keepdim: boolean, o: Opts) => Ref | Ref[];
  tol?: number;
}

/** Samples with the dims each style allows; `o.dim` undefined means all dims. */
function reduceSamples(d: DType | 'mixed', r: Rng, spec: ReduceSpec): Sample[] {
  if (d === 'mixed') return spec.mixed ? spec.mixed(r) : [];
  const dom = spec.domain ?? STANDARD;
  const opts = cycle(spec.opts ?? [{}]);
  const X = (shape: number[], views: ViewStep[] = []) => rand(r, shape, d, dom, views);
  const s = spec.style;
  const list: Array<[Arg, DimArg, boolean, string?] | [Arg, DimArg, boolean, string, true]> = [];
  const add = (x: Arg, dim: DimArg, keepdim = false, extra?: string) => list.push([x, dim, keepdim, extra]);
  const x345 = () => X([3, 4, 5]);
  if (s === 'multi' || s === 'single') add(x345(), undefined);
  add(x345(), 0);
  add(x345(), -1);
  add(x345(), 1, true);
  if (s === 'multi') {
    add(x345(), [0, 2]);
    add(x345(), [-1, -3], true);
    add(x345(), [0, 1, 2]);
  }
  if (s === 'single') add(x345(), undefined, true);
  add(X([5, 4], [{ kind: 't' }]), 0);
  add(X([6, 8], [{ kind: 'slice', dim: 1, start: 1, step: 2 }]), -1);
  add(X([1, 5], [{ kind: 'expand', shape: [4, 5] }]), 0);
  add(X([5, 4, 3], [{ kind: 'transpose', dim0: 0, dim1: 2 }]), s === 'multi' ? [1, 2] : 2);
  add(X([7, 3], [{ kind: 'narrow', dim: 0, start: 2, length: 4 }]), 1, true);
  add(X([2, 37]), 1);
  // 0-d inputs: all dims, and dim 0 / -1, which PyTorch accepts for a 0-d tensor.
  if (s === 'multi' || s === 'single') add(X([]), undefined);
  add(X([]), 0);
  add(X([]), -1, true);
  // Empty inputs.
  if (s === 'multi' || s === 'single') add(X([0]), undefined);
  add(X([2, 0, 3]), 1);
  add(X([2, 0, 3]), s === 'multi' ? [0, 2] : 0, true);
  if ((d === LARGE_DTYPE || d === 'float64' || d === 'int32') && spec.large !== false) {
    // Past the reduction kernels' block (1024), row block (64), column block (1024) and
    // chunk (32768) sizes, for inner (fastest dim reduced) and outer reductions; float32,
    // float64 and int32 (summed in int64) run with different numbers of vector lanes.
    add(X([3, 2500]), -1, false, 'large');
    add(X([2500, 3]), 0, false, 'large');
    add(X([40, 1100]), 0, false, 'large');
    if (s === 'multi' || s === 'single') add(X([70000]), undefined, false, 'large');
    if (s !== 'scan') add(X([2, 40000]), 1, false, 'large');
  }
  if (isFloat(d) && dom.specials) {
    // Rows of specials, each row with a NaN or an infinity in a different place.
    const sp = dom.specials;
    const rows = 4;
    const cols = 6;
    const vals = Array.from({ length: rows * cols }, (_, i) => (i % 7 === 3 ? sp[(i * 5) % sp.length] : Math.round(dom.float(r) * 4) / 4));
    add(fixed(vals, [rows, cols], d), -1, false, 'specials');
    if (s === 'multi' || s === 'single') add(fixed(vals, [rows, cols], d), undefined, false, 'specials');
  }
  return list.map(([x, dim, keepdim, extra], i) => {
    const o: Opts = { ...opts(i), dim, keepdim };
    const smp = sample([x], o, extra);
    smp.desc = `${describeArg(x)} dim=${JSON.stringify(dim) ?? 'all'}${keepdim ? ' keepdim' : ''}${Object.keys(opts(i)).length ? ' ' + JSON.stringify(opts(i)) : ''}${extra ? ' ' + extra : ''}`;
    const shape = logicalShape(x as TensorArg);
    const dims = normDims(shape.length, dim);
    if (spec.emptyThrows && dims.some((k) => shape[k] === 0)) smp.error = true;
    if (spec.emptyThrows && dim === undefined && numelOf(shape) === 0) smp.error = true;
    return smp;
  });
}

function reduction(spec: ReduceSpec): OpEntry {
  return {
    id: spec.variant ? `${spec.name}.${spec.variant}` : spec.name,
    name: spec.name,
    family: 'reduce',
    registered: spec.registered ?? true,
    dtypes: spec.dtypes,
    rejects: spec.rejects,
    samples: (d, r) => reduceSamples(d, r, spec),
    run: (args, o) => spec.run(T(args[0]), o.dim as DimArg, o.keepdim as boolean, o),
    reference: (args, o) => spec.reference(R(args[0]), o.dim as DimArg, o.keepdim as boolean, o),
    tol: spec.tol ?? 1,
  };
}

const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);
/** Loops rather than Math.max(...v): the large samples have more elements than a call takes. */
const maxOf = (v: number[]) => v.reduce((a, b) => (b > a ? b : a), -Infinity);
const minOf = (v: number[]) => v.reduce((a, b) => (b < a ? b : a), Infinity);
/** Running sums and products: the inclusive scans of cumsum and cumprod. */
const scanOf = (v: number[], f: (acc: number, x: number) => number, init: number) => {
  let acc = init;
  return v.map((x) => (acc = f(acc, x)));
};
/** Integer and bool sums and products widen to int64. */
const accDType = (d: DType): DType => (isFloat(d) ? d : 'int64');

/** Max that propagates NaN (amax, max along a dim). */
const nanMax = (v: number[]) => (v.some(Number.isNaN) ? NaN : maxOf(v));
const nanMin = (v: number[]) => (v.some(Number.isNaN) ? NaN : minOf(v));
/** Index of the first max (NaN counts as the max, as PyTorch's argmax). */
function argBest(v: number[], better: (a: number, b: number) => boolean): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) {
    if (Number.isNaN(v[best])) break;
    if (Number.isNaN(v[i]) || better(v[i], v[best])) best = i;
  }
  return best;
}

/** p-norms as torch.linalg.vector_norm defines them. */
function vectorNorm(v: number[], p: number): number {
  const a = v.map(Math.abs);
  if (a.some(Number.isNaN)) return NaN;
  if (p === Infinity) return maxOf(a);
  if (p === -Infinity) return minOf(a);
  if (p === 0) return a.filter((x) => x !== 0).length;
  return Math.pow(sumOf(a.map((x) => Math.pow(x, p))), 1 / p);
}

function logSumExp(v: number[]): number {
  if (v.length === 0) return -Infinity;
  if (v.some(Number.isNaN)) return NaN;
  const m = maxOf(v);
  if (m === Infinity || m === -Infinity) return m;
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
}

/** Sum of squared deviations over max(0, N - correction). */
function variance(v: number[], correction: number): number {
  const mean = sumOf(v) / v.length;
  const ss = sumOf(v.map((x) => (x - mean) * (x - mean)));
  return ss / Math.max(0, v.length - correction);
}

const PROD: Domain = { float: (r) => r.pick([-1, 1]) * r.uniform(0.6, 1.5), int: (r) => r.pick([-2, -1, 1, 1, 1, 2]), specials: SPECIALS };
const BOOLISH: Domain = { float: (r) => (r.next() < 0.15 ? 0 : r.normal()), int: (r) => (r.next() < 0.15 ? 0 : r.int(-3, 3)), specials: SPECIALS };
const TIES: Domain = { float: (r) => r.int(-4, 4) / 2, int: (r) => r.int(-4, 4), specials: SPECIALS };

const NORM_PS = [2, 1, Infinity, -Infinity, 0, 3];
const CORRECTIONS = [1, 0, 2];

const multi = (name: string, fn: (x: kiln.Tensor, dim: DimArg, o: { keepdim: boolean }) => kiln.Tensor, spec: Omit<ReduceSpec, 'name' | 'style' | 'run' | 'reference'> & { f: (v: number[]) => number; out: (d: DType) => DType }): OpEntry =>
  reduction({
    ...spec,
    name,
    style: 'multi',
    run: (x, dim, keepdim) => fn(x, dim, { keepdim }),
    reference: (x, dim, keepdim) => reduceRef(x, dim, keepdim, spec.out(x.dtype), spec.f),
  });

const maxAlongDim = (isMax: boolean): OpEntry =>
  reduction({
    name: isMax ? 'max' : 'min',
    variant: 'dim',
    registered: false,
    style: 'dim',
    dtypes: ALL,
    rejects: [],
    domain: TIES,
    emptyThrows: true,
    run: (x, dim, keepdim) => {
      const [values, indices] = isMax ? x.max(dim as number, { keepdim }) : x.min(dim as number, { keepdim });
      return [values, indices];
    },
    reference: (x, dim, keepdim) => {
      const better = isMax ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
      return [
        reduceRef(x, dim, keepdim, x.dtype, isMax ? nanMax : nanMin),
        reduceRef(x, dim, keepdim, 'int64', (v) => argBest(v, better)),
      ];
    },
  });

const argReduction = (isMax: boolean): OpEntry =>
  reduction({
    name: isMax ? 'argmax' : 'argmin',
    style: 'single',
    // PyTorch has no bool argmax/argmin; kiln accepts bool, which is not asserted either way.
    dtypes: NUM,
    rejects: [],
    domain: TIES,
    emptyThrows: true,
    run: (x, dim, keepdim) => (isMax ? kiln.argmax : kiln.argmin)(x, dim as number | undefined, { keepdim }),
    reference: (x, dim, keepdim) => {
      const better = isMax ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
      // Without a dim the input is flattened; keepdim then keeps every dim as size 1.
      return reduceRef(x, dim, keepdim, 'int64', (v) => argBest(v, better));
    },
  });

function softmaxLine(v: number[], log: boolean): number[] {
  const m = maxOf(v);
  const e = v.map((x) => Math.exp(x - m));
  const s = sumOf(e);
  return log ? v.map((x) => x - m - Math.log(s)) : e.map((x) => x / s);
}

const scanOp = (name: string, g: (line: number[]) => number[], out: (d: DType) => DType, spec: Partial<ReduceSpec> & Pick<ReduceSpec, 'dtypes' | 'rejects'>, fn: (x: kiln.Tensor, dim: number, o: { dtype?: DType }) => kiln.Tensor): OpEntry =>
  reduction({
    ...spec,
    name,
    style: 'scan',
    run: (x, dim, _k, o) => fn(x, dim as number, o.dtype ? { dtype: o.dtype as DType } : {}),
    reference: (x, dim, _k, o) => {
      const d = (o.dtype as DType | undefined) ?? x.dtype;
      return scanRef({ ...x, data: x.data.map((v) => castValue(v, d)) }, dim as number, out(d), g);
    },
  });

/** Samples with an explicit dtype option (computing in another dtype than the input's). */
const dtypeOptionSamples = (dim: number, pairs: Array<[DType, DType]>) => (r: Rng): Sample[] =>
  pairs.map(([from, to]) => {
    const x = rand(r, [3, 5], from);
    return { ...sample([x], { dim, dtype: to }), desc: `${describeArg(x)} dim=${dim} dtype=${to}` };
  });

const REDUCE: OpEntry[] = [
  multi('sum', kiln.sum, { dtypes: ALL, rejects: [], f: sumOf, out: accDType, tol: 4 }),
  multi('prod', kiln.prod, { dtypes: ALL, rejects: [], f: (v) => v.reduce((a, b) => a * b, 1), out: accDType, domain: PROD, large: false, tol: 4 }),
  multi('mean', kiln.mean, { dtypes: FLOAT, rejects: ['int32', 'int64', 'bool'], f: (v) => sumOf(v) / v.length, out: (d) => d, tol: 4 }),
  multi('amax', kiln.amax, { dtypes: ALL, rejects: [], f: nanMax, out: (d) => d, domain: TIES, emptyThrows: true }),
  multi('amin', kiln.amin, { dtypes: ALL, rejects: [], f: nanMin, out: (d) => d, domain: TIES, emptyThrows: true }),
  multi('all', kiln.all, { dtypes: ALL, rejects: [], f: (v) => +v.every(truthy), out: () => 'bool', domain: BOOLISH }),
  multi('any', kiln.any, { dtypes: ALL, rejects: [], f: (v) => +v.some(truthy), out: () => 'bool', domain: BOOLISH }),
  reduction({
    name: 'norm',
    style: 'multi',
    dtypes: FLOAT,
    rejects: ['int32', 'int64', 'bool'],
    opts: NORM_PS.map((p) => ({ p })),
    run: (x, dim, keepdim, o) => kiln.norm(x, o.p as number, dim, { keepdim }),
    reference: (x, dim, keepdim, o) => reduceRef(x, dim, keepdim, x.dtype, (v) => vectorNorm(v, o.p as number)),
    tol: 4,
  }),
  reduction({
    name: 'logsumexp',
    style: 'multi',
    // Integer and bool inputs give float32, as in PyTorch.
    dtypes: ALL,
    rejects: [],
    run: (x, dim, keepdim) => kiln.logsumexp(x, dim ?? [...Array(x.ndim).keys()], { keepdim }),
    reference: (x, dim, keepdim) => reduceRef(x, dim, keepdim, floatOf(x.dtype), logSumExp),
    tol: 4,
  }),
  reduction({
    name: 'var',
    style: 'multi',
    dtypes: FLOAT,
    rejects: ['int32', 'int64', 'bool'],
    opts: CORRECTIONS.map((correction) => ({ correction })),
    run: (x, dim, keepdim, o) => kiln.var(x, dim, { keepdim, correction: o.correction as number }),
    reference: (x, dim, keepdim, o) => reduceRef(x, dim, keepdim, x.dtype, (v) => variance(v, o.correction as number)),
    tol: 4,
  }),
  reduction({
    name: 'std',
    style: 'multi',
    dtypes: FLOAT,
    rejects: ['int32', 'int64', 'bool'],
    opts: CORRECTIONS.map((correction) => ({ correction })),
    run: (x, dim, keepdim, o) => kiln.std(x, dim, { keepdim, correction: o.correction as number }),
    reference: (x, dim, keepdim, o) => reduceRef(x, dim, keepdim, x.dtype, (v) => Math.sqrt(variance(v, o.correction as number))),
    tol: 4,
  }),
  argReduction(true),
  argReduction(false),
  maxAlongDim(true),
  maxAlongDim(false),
  scanOp('cumsum', (l) => scanOf(l, (a, x) => a + x, 0), accDType, { dtypes: ALL, rejects: [], tol: 4, mixed: dtypeOptionSamples(1, [['int32', 'float64'], ['float32', 'float64']]) }, kiln.cumsum),
  scanOp(
    'cumprod',
    (l) => scanOf(l, (a, x) => a * x, 1),
    accDType,
    { dtypes: ALL, rejects: [], domain: PROD, large: false, tol: 4, mixed: dtypeOptionSamples(0, [['int64', 'float32']]) },
    kiln.cumprod,
  ),
  scanOp('softmax', (l) => softmaxLine(l, false), (d) => d, { dtypes: FLOAT, rejects: ['int32', 'int64', 'bool'], tol: 2, mixed: dtypeOptionSamples(-1, [['int32', 'float32'], ['float32', 'float64']]) }, kiln.softmax),
  scanOp('logSoftmax', (l) => softmaxLine(l, true), (d) => d, { dtypes: FLOAT, rejects: ['int32', 'int64', 'bool'], tol: 2, mixed: dtypeOptionSamples(0, [['int64', 'float64']]) }, kiln.logSoftmax),
];

// ---- matmul ------------------------------------------------------------------------------------------

/** torch.matmul: 1-d operands become a row (left) or column (right); batch dims broadcast. */
export function matmulRef(a: Ref, b: Ref): Ref {
  const A = a.shape.length === 1 ? { ...a, shape: [1, a.shape[0]] } : a;
  const B = b.shape.length === 1 ? { ...b, shape: [b.shape[0], 1] } : b;
  const [M, K] = A.shape.slice(-2);
  const N = B.shape[B.shape.length - 1];
  if (B.shape[B.shape.length - 2] !== K) throw new Error('reference: matmul shapes do not match');
  const batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const Ab = expandRef(A, [...batch, M, K]);
  const Bb = expandRef(B, [...batch, K, N]);
  const nb = numelOf(batch);
  const data = new Array<number>(nb * M * N);
  for (let p = 0; p < nb; p++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += Ab.data[p * M * K + i * K + k] * Bb.data[p * K * N + k * N + j];
        data[p * M * N + i * N + j] = castValue(s, a.dtype);
      }
  let shape = [...batch, M, N];
  if (a.shape.length === 1) shape.splice(shape.length - 2, 1);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, dtype: a.dtype, data };
}

const MM: Domain = { float: (r) => r.normal(), int: (r) => r.int(-5, 5) };

interface MatmulSpec {
  name: string;
  samples: (X: (shape: number[], views?: ViewStep[]) => TensorArg, d: DType, r: Rng) => Sample[];
  run: (args: Operand[], o: Opts) => kiln.Tensor;
  reference?: (args: Ref[], o: Opts) => Ref;
}

/** Mixed dtypes are an error for every matmul op, as in PyTorch. */
function mismatchSamples(r: Rng, spec: MatmulSpec): Sample[] {
  const base = spec.samples((shape, views = []) => rand(r, shape, 'float32', MM, views), 'float32', r)[0];
  const pairs: Array<[DType, DType]> = [['float32', 'float64'], ['int32', 'float32'], ['int64', 'int32']];
  return pairs.map(([x, y]) => {
    const args = base.args.map((a, i) => (isTensorArg(a) ? { base: { ...a.base, dtype: i === base.args.length - 1 ? y : x, data: a.base.data.map((v) => castValue(v, i === base.args.length - 1 ? y : x)) }, views: a.views } : a));
    return { ...sample(args, base.opts), error: true };
  });
}

function matmulEntry(spec: MatmulSpec): OpEntry {
  return {
    id: spec.name,
    name: spec.name,
    family: 'matmul',
    registered: true,
    dtypes: NUM,
    rejects: ['bool'],
    samples: (d, r) => (d === 'mixed' ? mismatchSamples(r, spec) : spec.samples((shape, views = []) => rand(r, shape, d, MM, views), d, r)),
    run: spec.run,
    reference: (args, o) => (spec.reference ?? (([a, b]) => matmulRef(a, b)))(args.map(R), o),
    tol: 10,
  };
}

const t2: ViewStep[] = [{ kind: 't' }];

const MATMUL: OpEntry[] = [
  matmulEntry({
    name: 'matmul',
    run: (args) => kiln.matmul(T(args[0]), T(args[1])),
    samples: (X) => [
      sample([X([3, 4]), X([4, 5])]),
      sample([X([4]), X([4])]),
      sample([X([4]), X([4, 3])]),
      sample([X([3, 4]), X([4])]),
      sample([X([2, 1, 3, 4]), X([5, 4, 2])]),
      sample([X([2, 3, 4]), X([4])]),
      sample([X([4]), X([2, 4, 3])]),
      sample([X([3, 2, 4], [{ kind: 'transpose', dim0: 0, dim1: 1 }]), X([5, 4], t2)]),
      sample([X([8], [{ kind: 'slice', dim: 0, start: 0, step: 2 }]), X([4, 6], [{ kind: 'slice', dim: 1, start: 1, step: 2 }])]),
      sample([X([1, 3, 4], [{ kind: 'expand', shape: [2, 3, 4] }]), X([2, 4, 2])]),
      sample([X([2, 3, 0]), X([0, 4])]),
      sample([X([0, 3]), X([3, 2])]),
    ],
  }),
  matmulEntry({
    name: 'mm',
    run: (args) => kiln.mm(T(args[0]), T(args[1])),
    samples: (X) => [
      sample([X([3, 4]), X([4, 5])]),
      sample([X([4, 3], t2), X([4, 5])]),
      sample([X([3, 4]), X([5, 4], t2)]),
      sample([X([6, 4], [{ kind: 'slice', dim: 0, start: 0, step: 2 }]), X([4, 10], [{ kind: 'slice', dim: 1, start: 1, step: 2 }])]),
      sample([X([1, 4], [{ kind: 'expand', shape: [3, 4] }]), X([4, 1], [{ kind: 'expand', shape: [4, 2] }])]),
      sample([X([3, 0]), X([0, 4])]),
      sample([X([0, 4]), X([4, 2])]),
      sample([X([1, 1]), X([1, 1])]),
      // Big enough for the blocked and vectorized kernel paths, with ragged edges.
      sample([X([33, 65]), X([65, 19])]),
      sample([X([65, 33], t2), X([19, 65], t2)]),
      // Depth over one packed block, and more columns than the direct loops' strip.
      sample([X([70, 300]), X([300, 50])]),
      sample([X([5, 20]), X([20, 300])]),
    ],
  }),
  matmulEntry({
    name: 'bmm',
    run: (args) => kiln.bmm(T(args[0]), T(args[1])),
    samples: (X) => [
      sample([X([2, 3, 4]), X([2, 4, 5])]),
      sample([X([2, 4, 3], [{ kind: 'transpose', dim0: 1, dim1: 2 }]), X([2, 4, 5])]),
      sample([X([1, 3, 4], [{ kind: 'expand', shape: [2, 3, 4] }]), X([5, 4, 2], [{ kind: 'transpose', dim0: 0, dim1: 2 }])]),
      sample([X([4, 3, 4], [{ kind: 'slice', dim: 0, start: 1, step: 2 }]), X([2, 4, 3])]),
      sample([X([0, 3, 4]), X([0, 4, 5])]),
      sample([X([2, 3, 0]), X([2, 0, 4])]),
    ],
  }),
  matmulEntry({
    name: 'addmm',
    run: (args, o) => kiln.addmm(T(args[0]), T(args[1]), T(args[2]), o),
    // beta * input + alpha * (mat1 @ mat2); with beta = 0 the input is ignored, NaN included.
    reference: ([input, m1, m2], o) => {
      const beta = (o.beta as number | undefined) ?? 1;
      const alpha = (o.alpha as number | undefined) ?? 1;
      const prod = matmulRef(m1, m2);
      return mapRefs([input, prod], input.dtype, input.dtype, ([x, p]) => (beta === 0 ? 0 : beta * x) + alpha * p);
    },
    samples: (X, d) => {
      const nanInput: TensorArg = isFloat(d) ? fixed([NaN, 1, Infinity, 2, 3], [5], d) : X([5]);
      return [
        sample([X([3, 5]), X([3, 4]), X([4, 5])]),
        sample([X([5]), X([3, 4]), X([4, 5])], { beta: 2, alpha: -3 }),
        sample([X([3, 1]), X([4, 3], t2), X([4, 5])], { alpha: 2 }),
        sample([X([]), X([3, 4]), X([5, 4], t2)], { beta: -1 }),
        sample([X([5, 3], t2), X([3, 4]), X([4, 5])]),
        sample([nanInput, X([3, 4]), X([4, 5])], { beta: 0 }),
        sample([X([3, 5]), X([3, 0]), X([0, 5])], { beta: 3 }),
        sample([X([50]), X([300, 70], t2), X([300, 50])], { beta: 2, alpha: -1 }),
      ];
    },
  }),
  // out[i][j] = a[i] * b[j]: in PyTorch a broadcast multiply, so dtypes promote and bool works.
  {
    id: 'outer',
    name: 'outer',
    family: 'matmul',
    registered: true,
    dtypes: ALL,
    rejects: [],
    samples: (d, r) => {
      if (d === 'mixed') {
        const pairs: Array<[DType, DType]> = [['float32', 'float64'], ['int32', 'float32'], ['int64', 'int32'], ['bool', 'int32']];
        return pairs.map(([x, y]) => sample([rand(r, [3], x, MM), rand(r, [4], y, MM)]));
      }
      const X = (shape: number[], views: ViewStep[] = []) => rand(r, shape, d, MM, views);
      return [
        sample([X([3]), X([4])]),
        sample([X([7], [{ kind: 'slice', dim: 0, start: 1, step: 3 }]), X([1], [{ kind: 'expand', shape: [3] }])]),
        sample([X([0]), X([3])]),
        sample([X([1]), X([1])]),
      ];
    },
    run: (args) => kiln.outer(T(args[0]), T(args[1])),
    reference: ([a, b]) => {
      const col = { ...R(a), shape: [R(a).shape[0], 1] };
      const out = resultType([col, b]);
      return mapRefs([col, b], out, out, (v) => v[0] * v[1]);
    },
    tol: 1,
  },
  matmulEntry({
    name: 'dot',
    run: (args) => kiln.dot(T(args[0]), T(args[1])),
    samples: (X) => [
      sample([X([5]), X([5])]),
      sample([X([10], [{ kind: 'slice', dim: 0, start: 0, step: 2 }]), X([15], [{ kind: 'slice', dim: 0, start: 2, step: 3 }])]),
      sample([X([1], [{ kind: 'expand', shape: [6] }]), X([6])]),
      sample([X([0]), X([0])]),
      sample([X([100]), X([100])]),
    ],
  }),
];

export const OP_DB: readonly OpEntry[] = [...UNARY, ...BINARY, ...TERNARY, ...REDUCE, ...MATMUL];
