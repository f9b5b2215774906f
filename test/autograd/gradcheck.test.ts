// SPDX-License-Identifier: MIT
/**
 * The gradcheck database: for every differentiable op, cases whose analytic gradients (the
 * op's backward formula, or the ops a composite is built from) are compared with central
 * finite differences in float64. Inputs are small and seeded; they cover broadcast operands,
 * non-contiguous inputs (transposed and step-sliced leaves, expanded operands), JS-number
 * operands, negative dims, keepdim, several reduced dims and 0-d tensors, and keep away from
 * points where an op is not differentiable (|x| near 0 for abs, ties for max, domain edges).
 * A last group checks second derivatives (backward of backward, with createGraph).
 */
import * as kiln from '../../lib';
import { sliceDim } from '../../lib/ops/views';
import { Rng, seedFor } from '../ops/op-db';

type Tensor = kiln.Tensor;
type Fn = (...xs: Tensor[]) => Tensor | Tensor[];

/**
 * Where input values are drawn from: 'any' in [-1.5, 1.5]; 'pos' in [0.3, 2]; 'away' with
 * |x| in [0.3, 1.5] (kinks at 0); 'unit' in [-0.8, 0.8]; 'distinct' spread 0.25 apart (no
 * ties for max, sort, topk).
 */
type Domain = 'any' | 'pos' | 'away' | 'unit' | 'distinct';

/** 'contiguous'; 't' a transposed leaf (last two dims); 'slice' a leaf read with step 2. */
type Layout = 'contiguous' | 't' | 'slice';

interface Input {
  shape: number[];
  grad: boolean;
  domain: Domain;
  layout: Layout;
  values?: number[];
}

interface Case {
  /** The registered op (or method form) the case covers. */
  op: string;
  label: string;
  inputs: Input[];
  fn: Fn;
}

/** An input that requires grad. */
const g = (shape: number[], domain: Domain = 'any', layout: Layout = 'contiguous'): Input => ({ shape, grad: true, domain, layout });
/** A float64 constant operand. */
const c = (shape: number[], domain: Domain = 'any'): Input => ({ shape, grad: false, domain, layout: 'contiguous' });
/** An input with given values (e.g. zeros or ties), requiring grad. */
const v = (values: number[], shape: number[] = [values.length]): Input => ({ shape, grad: true, domain: 'any', layout: 'contiguous', values });

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function draw(rng: Rng, domain: Domain, n: number): number[] {
  switch (domain) {
    case 'any':
      return Array.from({ length: n }, () => rng.uniform(-1.5, 1.5));
    case 'pos':
      return Array.from({ length: n }, () => rng.uniform(0.3, 2));
    case 'away':
      return Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.3, 1.5));
    case 'unit':
      return Array.from({ length: n }, () => rng.uniform(-0.8, 0.8));
    case 'distinct': {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return order.map((k) => (k - n / 2) * 0.25 + rng.uniform(-0.05, 0.05));
    }
  }
}

function materialize(rng: Rng, input: Input): Tensor {
  const { shape, layout } = input;
  const base = shape.slice();
  if (layout === 't') [base[base.length - 2], base[base.length - 1]] = [base[base.length - 1], base[base.length - 2]];
  if (layout === 'slice') base[base.length - 1] *= 2;
  const values = input.values ?? draw(rng, input.domain, numel(base));
  let t = kiln.tensor(Float64Array.from(values)).reshape(base);
  if (layout === 't') t = t.transpose(-1, -2);
  if (layout === 'slice') t = t.index('...', '::2');
  expect(t.shape).toEqual(shape);
  return input.grad ? t.requiresGrad_() : t;
}

const long = (data: kiln.TensorData): Tensor => kiln.tensor(data, { dtype: 'int64' });
const bool = (data: kiln.TensorData): Tensor => kiln.tensor(data, { dtype: 'bool' });

const CASES: Case[] = [];
function add(op: string, label: string, inputs: Input[], fn: Fn): void {
  CASES.push({ op, label, inputs, fn });
}

// ---- elementwise: unary -----------------------------------------------------------------------

const UNARY: Array<[string, Domain, (x: Tensor) => Tensor]> = [
  ['neg', 'any', (x) => x.neg()],
  ['abs', 'away', (x) => x.abs()],
  ['sign', 'away', (x) => x.sign()],
  ['exp', 'any', (x) => x.exp()],
  ['expm1', 'any', (x) => x.expm1()],
  ['log', 'pos', (x) => x.log()],
  ['log1p', 'pos', (x) => x.log1p()],
  ['log2', 'pos', (x) => x.log2()],
  ['sqrt', 'pos', (x) => x.sqrt()],
  ['rsqrt', 'pos', (x) => x.rsqrt()],
  ['square', 'any', (x) => x.square()],
  ['reciprocal', 'away', (x) => x.reciprocal()],
  ['sin', 'any', (x) => x.sin()],
  ['cos', 'any', (x) => x.cos()],
  ['tan', 'unit', (x) => x.tan()],
  ['tanh', 'any', (x) => x.tanh()],
  ['sigmoid', 'any', (x) => x.sigmoid()],
  ['relu', 'away', (x) => x.relu()],
  ['silu', 'any', (x) => x.silu()],
  ['erf', 'any', (x) => x.erf()],
  ['gelu', 'any', (x) => x.gelu()],
  ['softplus', 'any', (x) => x.softplus()],
  ['leakyRelu', 'away', (x) => x.leakyRelu(0.2)],
  ['elu', 'away', (x) => x.elu(1.5)],
  ['clamp', 'away', (x) => x.clamp(-1, 1)],
];
for (const [op, domain, f] of UNARY) {
  add(op, '[2, 3]', [g([2, 3], domain)], f);
  add(op, 'transposed [3, 2]', [g([3, 2], domain, 't')], f);
}
add('exp', '0-d', [g([], 'any')], (x) => x.exp());
add('log', 'step-sliced', [g([2, 3], 'pos', 'slice')], (x) => x.log());
add('gelu', "approximate 'tanh'", [g([2, 3])], (x) => x.gelu({ approximate: 'tanh' }));
add('softplus', 'beta 2, threshold 1 (both branches)', [g([2, 4], 'away')], (x) => x.softplus({ beta: 2, threshold: 1 }));
add('leakyRelu', 'default slope', [g([5], 'away')], (x) => x.leakyRelu());
add('clamp', 'min only', [g([2, 3], 'away')], (x) => x.clamp(0));
add('clamp', 'max only', [g([2, 3], 'away')], (x) => x.clamp(null, 0));

// ---- elementwise: binary and ternary ------------------------------------------------------------

const BINARY: Array<[string, Domain, Domain, (a: Tensor | number, b: Tensor | number) => Tensor]> = [
  ['add', 'any', 'any', (a, b) => kiln.add(a, b)],
  ['sub', 'any', 'any', (a, b) => kiln.sub(a, b)],
  ['mul', 'any', 'any', (a, b) => kiln.mul(a, b)],
  ['div', 'any', 'away', (a, b) => kiln.div(a, b)],
  ['remainder', 'any', 'pos', (a, b) => kiln.remainder(a, b)],
  ['maximum', 'distinct', 'any', (a, b) => kiln.maximum(a, b)],
  ['minimum', 'distinct', 'any', (a, b) => kiln.minimum(a, b)],
  ['atan2', 'any', 'away', (a, b) => kiln.atan2(a, b)],
  ['pow', 'pos', 'any', (a, b) => kiln.pow(a, b)],
];
for (const [op, da, db, f] of BINARY) {
  add(op, 'same shape', [g([2, 3], da), g([2, 3], db)], f);
  add(op, 'broadcast [2, 1] with [3]', [g([2, 1], da), g([3], db)], f);
  add(op, 'broadcast 0-d with transposed [3, 2]', [g([], da), g([3, 2], db, 't')], f);
  add(op, 'constant second operand', [g([2, 3], da, 'slice'), c([2, 3], db)], f);
  add(op, 'number second operand', [g([2, 3], da)], (a) => f(a, db === 'any' ? 0.7 : 1.3));
  add(op, 'number first operand', [g([2, 3], db)], (b) => f(da === 'any' ? -0.4 : 1.6, b));
}
add('add', 'alpha', [g([2, 3]), g([3])], (a, b) => kiln.add(a, b, { alpha: -2.5 }));
add('sub', 'alpha', [g([2, 3]), g([2, 1])], (a, b) => kiln.sub(a, b, { alpha: 0.5 }));
add('pow', 'integer exponent of any sign base', [g([2, 3], 'any')], (a) => kiln.pow(a, 3));
add('maximum', 'ties split the gradient', [v([1, 2, 3]), v([1, 0, 3])], (a, b) => kiln.maximum(a, b));

add('lerp', 'tensor weight', [g([2, 3]), g([2, 3]), g([3], 'unit')], (a, b, w) => kiln.lerp(a, b, w));
add('lerp', 'number weight, broadcast end', [g([2, 3]), g([3])], (a, b) => kiln.lerp(a, b, 0.3));
add('lerp', 'number end', [g([2, 3], 'any', 't'), g([2, 1], 'unit')], (a, w) => kiln.lerp(a, 2, w));
add('addcmul', 'value', [g([2, 3]), g([2, 3]), g([3])], (x, t1, t2) => kiln.addcmul(x, t1, t2, { value: 0.5 }));
add('addcmul', 'number factor', [g([2, 3]), g([2, 3], 'any', 'slice')], (x, t1) => kiln.addcmul(x, t1, 2));
add('addcdiv', 'value', [g([2, 3]), g([2, 1]), g([3], 'away')], (x, t1, t2) => kiln.addcdiv(x, t1, t2, { value: -2 }));
add('addcdiv', 'number numerator', [g([2, 3]), g([2, 3], 'away')], (x, t2) => kiln.addcdiv(x, 1.5, t2));

const COND = bool([[true, false, true], [false, false, true]]);
add('where', 'tensors', [g([2, 3]), g([2, 3])], (a, b) => kiln.where(COND, a, b));
add('where', 'broadcast operands', [g([3]), g([2, 1])], (a, b) => kiln.where(COND, a, b));
add('where', 'number operand', [g([2, 3], 'any', 't')], (b) => kiln.where(COND, 0.5, b));

// ---- reductions ---------------------------------------------------------------------------------

add('sum', 'all', [g([2, 3])], (x) => x.sum());
add('sum', 'dim 1', [g([2, 3], 'any', 't')], (x) => x.sum(1));
add('sum', 'dims [0, 2] keepdim', [g([2, 3, 2])], (x) => x.sum([0, 2], { keepdim: true }));
add('sum', 'negative dim', [g([2, 3])], (x) => x.sum(-1));
add('sum', '0-d', [g([])], (x) => x.sum());

add('prod', 'all', [g([2, 3], 'away')], (x) => x.prod());
add('prod', 'dim keepdim', [g([3, 2], 'away', 't')], (x) => x.prod(0, { keepdim: true }));
add('prod', 'dims [0, -1]', [g([2, 2, 3], 'away')], (x) => x.prod([0, -1]));
add('prod', 'one zero', [v([0.5, 0, 2, -1.5])], (x) => x.prod());
add('prod', 'two zeros', [v([0.5, 0, 2, 0])], (x) => x.prod());
add('prod', 'zero in one slice of a dim', [v([0.5, 0, 2, -1.5, 1.2, 0.8], [2, 3])], (x) => x.prod(1));
add('prod', 'zero with several reduced dims', [v([0.5, 0, 2, -1.5, 1.2, 0.8, 0.7, 1.1, -0.6, 1.3, 0.9, 2], [2, 3, 2])], (x) => x.prod([0, 2]));
add('prod', '0-d', [g([], 'away')], (x) => x.prod());

add('mean', 'all', [g([2, 3])], (x) => x.mean());
add('mean', 'dims [0, 2]', [g([2, 3, 2])], (x) => x.mean([0, 2]));
add('mean', 'negative dim keepdim', [g([2, 3], 'any', 'slice')], (x) => x.mean(-1, { keepdim: true }));

for (const op of ['amax', 'amin'] as const) {
  const f = (x: Tensor, dim?: number | number[], opts?: { keepdim?: boolean }): Tensor => kiln[op](x, dim, opts);
  add(op, 'all', [g([2, 3], 'distinct')], (x) => f(x));
  add(op, 'dim keepdim', [g([3, 2], 'distinct', 't')], (x) => f(x, 1, { keepdim: true }));
  add(op, 'dims [0, 2]', [g([2, 3, 2], 'distinct')], (x) => f(x, [0, 2]));
  add(op, 'ties split evenly', [v(op === 'amax' ? [1, 3, 3, 2] : [1, -3, -3, 2])], (x) => f(x));
}

for (const p of [2, 1, Infinity, -Infinity, 0, 3, 1.5] as const) {
  add('norm', `p=${p}`, [g([2, 3], 'away')], (x) => x.norm(p));
  add('norm', `p=${p} dim 1 keepdim`, [g([2, 3], 'distinct', 't')], (x) => x.norm(p, 1, { keepdim: true }));
}
add('norm', "'fro' over dims [0, 2]", [g([2, 3, 2])], (x) => x.norm('fro', [0, 2]));
add('norm', 'p=2 of a zero row (subgradient 0)', [v([0, 0, 0, 0.5, -1, 2], [2, 3])], (x) => x.norm(2, -1));

add('logsumexp', 'dim 1', [g([2, 3])], (x) => x.logsumexp(1));
add('logsumexp', 'dims [0, 1] keepdim', [g([2, 3], 'any', 't')], (x) => x.logsumexp([0, 1], { keepdim: true }));

add('var', 'all', [g([2, 3])], (x) => x.var());
add('var', 'dim correction 0', [g([2, 3], 'any', 't')], (x) => x.var(1, { correction: 0 }));
add('var', 'dims [0, 2] correction 2 keepdim', [g([2, 3, 2])], (x) => x.var([0, 2], { correction: 2, keepdim: true }));
add('std', 'all', [g([2, 3])], (x) => x.std());
add('std', 'dim -1 unbiased false', [g([2, 3], 'any', 'slice')], (x) => x.std(-1, { unbiased: false }));

add('cumsum', 'dim 1', [g([2, 3])], (x) => x.cumsum(1));
add('cumsum', 'dim -2 transposed', [g([3, 2], 'any', 't')], (x) => x.cumsum(-2));
add('cumsum', '0-d', [g([])], (x) => x.cumsum(0));
add('cumprod', 'dim 1', [g([2, 4], 'away')], (x) => x.cumprod(1));
add('cumprod', 'dim 0 transposed', [g([3, 2], 'away', 't')], (x) => x.cumprod(0));
add('cumprod', 'zeros', [v([0.5, 0, 2, -1.5, 0, 1.2, 0.8, 0, 1.1, 0.9], [2, 5])], (x) => x.cumprod(-1));

add('softmax', 'dim 1', [g([2, 3])], (x) => x.softmax(1));
add('softmax', 'dim 0 transposed', [g([3, 2], 'any', 't')], (x) => x.softmax(0));
add('logSoftmax', 'dim -1', [g([2, 3])], (x) => x.logSoftmax(-1));
add('logSoftmax', 'dim 0 step-sliced', [g([3, 2], 'any', 'slice')], (x) => x.logSoftmax(0));

add('max(dim)', 'dim 1', [g([2, 3], 'distinct')], (x) => x.max(1).values);
add('max(dim)', 'dim 0 keepdim', [g([3, 2], 'distinct', 't')], (x) => x.max(0, { keepdim: true }).values);
add('min(dim)', 'dim -1', [g([2, 3], 'distinct')], (x) => x.min(-1).values);
add('max()', 'all elements', [g([2, 3], 'distinct')], (x) => x.max());

// ---- matrix products ------------------------------------------------------------------------------

const MATMUL_SHAPES: Array<[number[], number[]]> = [
  [[3], [3]],
  [[3], [3, 2]],
  [[2, 3], [3]],
  [[2, 3], [3, 4]],
  [[2, 2, 3], [3, 2]],
  [[3, 2], [2, 2, 4]],
  [[2, 1, 2, 3], [3, 3, 2]],
  [[3], [2, 3, 2]],
  [[2, 2, 3], [3]],
];
for (const [sa, sb] of MATMUL_SHAPES) add('matmul', `${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`, [g(sa), g(sb)], (a, b) => kiln.matmul(a, b));
add('matmul', 'transposed operands', [g([2, 3], 'any', 't'), g([3, 2], 'any', 't')], (a, b) => kiln.matmul(a, b));
add('matmul', 'constant right operand', [g([2, 3])], (a) => kiln.matmul(a, kiln.tensor([[1, 2], [0.5, -1], [3, 0]], { dtype: 'float64' })));
add('mm', '[2, 3] @ [3, 2]', [g([2, 3]), g([3, 2], 'any', 't')], (a, b) => kiln.mm(a, b));
add('bmm', '[2, 2, 3] @ [2, 3, 2]', [g([2, 2, 3]), g([2, 3, 2])], (a, b) => kiln.bmm(a, b));
add('addmm', 'defaults', [g([2, 2]), g([2, 3]), g([3, 2])], (x, a, b) => kiln.addmm(x, a, b));
add('addmm', 'beta, alpha, broadcast input', [g([2]), g([2, 3], 'any', 't'), g([3, 2])], (x, a, b) => kiln.addmm(x, a, b, { beta: 0.5, alpha: -2 }));
add('dot', 'vectors', [g([4]), g([4], 'any', 'slice')], (a, b) => kiln.dot(a, b));
add('outer', 'vectors', [g([3]), g([2])], (a, b) => kiln.outer(a, b));

// ---- views --------------------------------------------------------------------------------------

add('reshape', 'with -1', [g([2, 3])], (x) => x.reshape(3, -1));
add('reshape', 'of a transposed input (copies)', [g([2, 3], 'any', 't')], (x) => x.reshape([6]));
add('reshape', '0-d to [1, 1]', [g([])], (x) => x.reshape([1, 1]));
add('view', '[2, 3] as [3, 2]', [g([2, 3])], (x) => x.view(3, 2));
add('permute', 'negative dims', [g([2, 3, 2])], (x) => x.permute(-1, 0, 1));
add('transpose', 'dims 0, -1', [g([2, 3, 2])], (x) => x.transpose(0, -1));
add('t', '2-d', [g([2, 3])], (x) => x.t());
add('t', '1-d', [g([3])], (x) => x.t());
add('mT', '3-d', [g([2, 2, 3])], (x) => x.mT);
add('unsqueeze', 'negative dim', [g([2, 3])], (x) => x.unsqueeze(-2));
add('squeeze', 'all', [g([2, 1, 3, 1])], (x) => x.squeeze());
add('squeeze', 'one dim', [g([2, 1, 3, 1])], (x) => x.squeeze(-1));
add('expand', 'new leading dims and -1', [g([2, 1])], (x) => x.expand(3, -1, 4));
add('expand', '0-d', [g([])], (x) => x.expand([2, 2]));
add('expandAs', '[3] as [2, 3]', [g([3]), c([2, 3])], (x, o) => x.expandAs(o));
add('flatten', 'dims 1..2', [g([2, 3, 2], 'any', 't')], (x) => x.flatten(1, 2));
add('unflatten', 'dim -1', [g([2, 6])], (x) => x.unflatten(-1, [2, -1]));
add('narrow', 'negative start', [g([2, 5])], (x) => x.narrow(1, -3, 2));
add('select', 'negative index', [g([3, 2], 'any', 't')], (x) => x.select(0, -1));
add('sliceDim', 'step 2', [g([2, 5])], (x) => sliceDim(x, 1, 1, 5, 2));
add('index', 'ints, slices, new axis, ellipsis', [g([3, 4, 2])], (x) => x.index(1, null, '...', '::2'));
add('index', 'string form with negatives', [g([3, 4])], (x) => x.index('-2:, 1:3'));
add('index', 'int tensor along a dim', [g([3, 4])], (x) => x.index(':', long([3, 0, -1, 3])));
add('index', 'bool mask', [g([2, 3])], (x) => x.index(COND));
add('index', 'nothing (an alias)', [g([2, 2])], (x) => x.index('...'));

// ---- joins and splits -----------------------------------------------------------------------------

add('cat', 'dim 1, mixed layouts', [g([2, 2]), g([2, 1]), g([2, 3], 'any', 't')], (a, b, d) => kiln.cat([a, b, d], 1));
add('cat', 'skipped empty 1-d input', [g([3]), g([2])], (a, b) => kiln.cat([a, kiln.tensor([], { dtype: 'float64' }), b]));
add('cat', 'with a constant', [g([2, 3])], (a) => kiln.cat([kiln.ones([1, 3], { dtype: 'float64' }), a], -2));
add('stack', 'dim -1', [g([2, 3]), g([2, 3], 'any', 'slice')], (a, b) => kiln.stack([a, b], -1));
add('split', 'size 2', [g([5, 2])], (x) => x.split(2));
add('split', 'sections, dim -1', [g([2, 5])], (x) => x.split([1, 3, 1], -1));
add('chunk', '3 chunks of dim 1', [g([2, 5])], (x) => x.chunk(3, 1));
add('unbind', 'dim 1', [g([2, 3], 'any', 't')], (x) => x.unbind(1));

// ---- indexing -------------------------------------------------------------------------------------

add('gather', 'dim 0 with repeats', [g([2, 3])], (x) => x.gather(0, long([[0, 1, 0], [1, 1, 0]])));
add('gather', 'dim -1, int32 index', [g([2, 3], 'any', 't')], (x) => x.gather(-1, kiln.tensor([[2, 2], [0, 1]], { dtype: 'int32' })));
const SCATTER_INDEX = long([[1, 0, 2], [0, 2, 1]]);
add('scatter', 'src tensor', [g([3, 3]), g([2, 3])], (x, s) => x.scatter(0, SCATTER_INDEX, s));
add('scatter', 'number value', [g([3, 3])], (x) => x.scatter(0, SCATTER_INDEX, 2.5));
add('scatter', "reduce 'add'", [g([3, 3]), g([2, 3])], (x, s) => x.scatter(0, SCATTER_INDEX, s, { reduce: 'add' }));
add('scatterAdd', 'repeats, larger src', [g([2, 3]), g([3, 4])], (x, s) => x.scatterAdd(1, long([[0, 0], [2, 1]]), s));
add('indexSelect', 'dim 1 with repeats', [g([2, 3])], (x) => x.indexSelect(1, long([2, 0, 2])));
add('indexSelect', 'dim 0 transposed', [g([3, 2], 'any', 't')], (x) => x.indexSelect(0, long([1])));
add('indexAdd', 'alpha, repeats', [g([3, 2]), g([3, 2])], (x, s) => x.indexAdd(0, long([0, 2, 0]), s, { alpha: 2 }));
add('maskedFill', 'number value', [g([2, 3])], (x) => x.maskedFill(COND, 0.5));
add('maskedFill', '0-d value tensor, broadcast mask', [g([2, 3], 'any', 't'), g([])], (x, val) => x.maskedFill(bool([true, false, true]), val));
add('maskedSelect', 'broadcast mask', [g([2, 3])], (x) => x.maskedSelect(bool([false, true, true])));
add('maskedSelect', 'broadcast input', [g([3])], (x) => x.maskedSelect(COND));
add('take', 'negative indices', [g([2, 3], 'any', 't')], (x) => x.take(long([[0, -1], [4, 4]])));
add('tril', 'diagonal 0', [g([3, 3])], (x) => x.tril());
add('tril', 'diagonal -1, batched', [g([2, 3, 2])], (x) => x.tril(-1));
add('triu', 'diagonal 1', [g([3, 4], 'any', 't')], (x) => x.triu(1));
add('sort', 'dim -1', [g([2, 4], 'distinct')], (x) => x.sort().values);
add('sort', 'descending dim 0', [g([3, 2], 'distinct', 't')], (x) => x.sort(0, { descending: true }).values);
add('sort', '0-d', [g([])], (x) => x.sort().values);
add('topk', 'largest', [g([2, 5], 'distinct')], (x) => x.topk(2).values);
add('topk', 'smallest dim 0', [g([4, 2], 'distinct', 't')], (x) => x.topk(3, 0, { largest: false }).values);

// ---- conversions --------------------------------------------------------------------------------

add('contiguous', 'of a transposed input', [g([2, 3], 'any', 't')], (x) => x.contiguous());
add('contiguous', 'of a contiguous input (itself)', [g([2, 3])], (x) => x.contiguous().mul(2));
add('clone', '[2, 3]', [g([2, 3], 'any', 'slice')], (x) => x.clone());
add('to', 'copy', [g([2, 3])], (x) => x.to({ dtype: 'float64', copy: true }));
add('to', 'no change (an alias)', [g([2, 3])], (x) => x.to('float64').mul(3));

// ---- second derivatives ---------------------------------------------------------------------------

/**
 * The first derivatives of `f` (against a fixed weighting of its output), as a function that
 * gradcheck can differentiate again: checks the backward formulas' own gradients.
 */
function firstGrads(f: (...xs: Tensor[]) => Tensor): Fn {
  return (...xs) =>
    kiln.enableGrad(() => {
      const out = f(...xs);
      const weight = kiln.linspace(-1, 1.5, out.numel(), { dtype: 'float64' }).reshape(out.shape);
      const grads = kiln.autograd.grad(out, xs, { createGraph: true, gradOutputs: [weight] });
      return grads.map((t, i) => t ?? kiln.zerosLike(xs[i]));
    });
}

const SECOND: Array<[string, Input[], (...xs: Tensor[]) => Tensor]> = [
  ['exp, sin, mul', [g([2, 3]), g([3])], (a, b) => a.exp().mul(b.sin())],
  ['div, pow, sqrt', [g([2, 3], 'pos'), g([2, 3], 'pos')], (a, b) => a.div(b).pow(1.5).add(b.sqrt())],
  ['tanh, sigmoid, gelu', [g([4])], (a) => a.tanh().add(a.sigmoid()).mul(a.gelu())],
  ['matmul broadcast', [g([2, 2, 3]), g([3, 2])], (a, b) => kiln.matmul(a, b).square()],
  ['softmax, logSoftmax', [g([2, 3])], (x) => x.softmax(1).mul(x.logSoftmax(0))],
  ['logsumexp, var, norm', [g([2, 3], 'away')], (x) => x.logsumexp(1).add(x.var(1)).mul(x.norm(2, 1))],
  ['prod, cumprod, cumsum', [g([2, 3], 'away')], (x) => x.prod(1, { keepdim: true }).mul(x.cumprod(1)).add(x.cumsum(0).square())],
  ['prod with a zero', [v([0.5, 0, 2, -1.5])], (x) => x.prod().mul(x)],
  ['narrow, select, index, cat', [g([3, 4])], (x) => kiln.cat([x.narrow(1, 1, 2), x.select(1, 2).unsqueeze(1), x.index(':', '::3')], 1).square()],
  ['gather, indexSelect, scatterAdd', [g([2, 3])], (x) =>
    x.gather(1, long([[0, 0], [2, 1]])).square().add(x.indexSelect(1, long([1, 2])).exp()).scatterAdd(1, long([[0, 0], [1, 1]]), x.square())],
  ['amax, maximum, where', [g([2, 3], 'distinct'), g([2, 3], 'distinct')], (a, b) => a.amax(1).mul(kiln.maximum(a, b).sum(1)).add(kiln.where(COND, a, b).square().sum(1))],
  ['sort, topk, max(dim)', [g([2, 4], 'distinct')], (x) => x.sort().values.square().sum(1).add(x.topk(2).values.exp().sum(1)).mul(x.max(1).values)],
];
for (const [label, inputs, f] of SECOND) add('second derivative', label, inputs, firstGrads(f));

// ---- the checks ---------------------------------------------------------------------------------

const OPTS = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };

describe('gradcheck', () => {
  test.each(CASES.map((k) => [`${k.op}: ${k.label}`, k] as const))('%s', (name, k) => {
    const rng = new Rng(seedFor(name));
    const inputs = k.inputs.map((i) => materialize(rng, i));
    expect(kiln.autograd.gradcheck(k.fn, inputs, OPTS)).toBe(true);
  });
});

test('gradcheck itself rejects a wrong gradient', () => {
  const x = kiln.tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
  // d(x * x)/dx is 2x; with one factor detached backward only sees x.
  const wrong = (t: Tensor) => t.detach().mul(t);
  expect(() => kiln.autograd.gradcheck(wrong, [x], OPTS)).toThrow(kiln.AutogradError);
  expect(kiln.autograd.gradcheck(wrong, [x], { ...OPTS, raiseException: false })).toBe(false);
});

test('every differentiable op has gradcheck cases', () => {
  const covered = new Set(CASES.map((k) => k.op));
  const missing = kiln
    .registeredOps()
    .filter((op) => op.differentiable && !covered.has(op.name))
    .map((op) => op.name);
  expect(missing).toEqual([]);
});
