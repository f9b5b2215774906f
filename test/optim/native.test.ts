// SPDX-License-Identifier: MIT
// The fused-step binding refuses what its kernels cannot safely or correctly run: views
// outside their storage, mismatched shapes or dtypes, non-contiguous buffers, missing state
// buffers, a bad hyperparameter array.
import * as kiln from '../../lib';
import { native } from '../../lib/backend/binding';
import { encodeRaw, encodeView } from '../../lib/backend/view-codec';

const f64 = (data: number[]) => kiln.tensor(data, { dtype: 'float64' });
const hyper = (n: number) => new Float64Array(n);

function sgdCall(param: kiln.Tensor, grad: kiln.Tensor, buf: kiln.Tensor | null, h: Float64Array = hyper(7)): void {
  encodeView(0, param);
  encodeView(1, grad);
  if (buf) encodeView(2, buf);
  native.sgdStep(param.buffer, grad.buffer, buf ? buf.buffer : null, h);
}

test('a plain call updates in place', () => {
  const p = f64([1, 2]);
  const h = hyper(7);
  h[0] = 0.5; // lr
  sgdCall(p, f64([1, -2]), null, h);
  expect(p.toArray()).toEqual([0.5, 3]);
});

test('shapes, dtypes and contiguity are checked', () => {
  expect(() => sgdCall(f64([1, 2]), f64([1, 2, 3]), null)).toThrow(kiln.ShapeError);
  expect(() => sgdCall(f64([1, 2]), kiln.tensor([1, 2], { dtype: 'float32' }), null)).toThrow(kiln.DTypeError);
  expect(() => sgdCall(kiln.tensor([1, 2], { dtype: 'int32' }), kiln.tensor([1, 2], { dtype: 'int32' }), null)).toThrow(kiln.DTypeError);
  const t = f64([1, 2, 3, 4]).reshape([2, 2]).t();
  expect(() => sgdCall(t, f64([1, 2, 3, 4]).reshape([2, 2]), null)).toThrow(/param must be contiguous/);
  expect(() => sgdCall(f64([1, 2, 3, 4]).reshape([2, 2]), t, null)).toThrow(/grad must be contiguous/);
});

test('views reaching outside their buffer are refused', () => {
  // Tensors of their own buffer (above 256 bytes: smaller ones share a slab, whose other
  // tensors lie inside the buffer, and Tensor.asStrided keeps views apart there).
  const n = 40;
  const p = kiln.zeros([n], { dtype: 'float64' });
  const g = kiln.zeros([n], { dtype: 'float64' });
  encodeRaw(0, p.dtypeCode, [n + 1], [1], 0); // one element past the storage
  encodeView(1, g);
  expect(() => native.sgdStep(p.buffer, g.buffer, null, hyper(7))).toThrow(new RegExp(`reaches element ${n}`));
  const m = kiln.zeros([n], { dtype: 'float64' });
  encodeView(0, p);
  encodeView(1, g);
  encodeView(2, m);
  encodeView(3, m);
  encodeRaw(4, p.dtypeCode, [n], [1], 1);
  const maxSq = kiln.zeros([n], { dtype: 'float64' });
  expect(() => native.adamStep(p.buffer, g.buffer, m.buffer, m.buffer, maxSq.buffer, hyper(10))).toThrow(new RegExp(`max_exp_avg_sq reaches element ${n}`));
});

test('options needing a buffer require it', () => {
  const h = hyper(7);
  h[1] = 0.9; // momentum
  expect(() => sgdCall(f64([1]), f64([1]), null, h)).toThrow(/no momentum buffer/);
  const p = f64([1]);
  const g = f64([1]);
  const s = f64([0]);
  const ah = hyper(10);
  ah[8] = 1; // amsgrad
  for (const slot of [0, 1, 2, 3]) encodeView(slot, slot === 0 ? p : slot === 1 ? g : s);
  expect(() => native.adamStep(p.buffer, g.buffer, s.buffer, s.buffer, null, ah)).toThrow(/amsgrad needs/);
  const rh = hyper(7);
  rh[5] = 1; // centered
  expect(() => native.rmspropStep(p.buffer, g.buffer, s.buffer, null, null, rh)).toThrow(/centered needs/);
});

test('the hyperparameters must be a long enough Float64Array', () => {
  expect(() => sgdCall(f64([1]), f64([1]), null, hyper(3))).toThrow(/expected 7 hyperparameters/);
  expect(() => sgdCall(f64([1]), f64([1]), null, [0, 0, 0, 0, 0, 0, 0] as unknown as Float64Array)).toThrow(/Float64Array/);
});

test('a disposed parameter is refused', () => {
  // Above 256 bytes, so dispose() frees the buffer itself (a small tensor's slab lives on for
  // its other tensors; kiln's own calls never pass a disposed tensor's buffer: Tensor.buffer
  // throws DisposedTensorError).
  const p = kiln.ones([40], { dtype: 'float64' });
  const g = kiln.ones([40], { dtype: 'float64' });
  encodeView(0, p);
  encodeView(1, g);
  const buffer = p.buffer;
  p.dispose();
  expect(() => native.sgdStep(buffer, g.buffer, null, hyper(7))).toThrow(/disposed tensor or bad view/);
});
