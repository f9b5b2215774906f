// SPDX-License-Identifier: MIT
/**
 * oneHot for preparing targets: class indices as rows of 0s and 1s, from a tensor or a JS
 * array, in a floating dtype by default because such targets feed losses (MSE, BCE) that want
 * floats. kiln.oneHot, the tensor op, returns int64 as torch.nn.functional.one_hot does.
 */
import { IndexError, KilnError } from '../errors';
import { to } from '../ops/convert';
import { tensor } from '../ops/creation';
import { oneHot as oneHotOp } from '../ops/indexing';
import { DType } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';

/**
 * [n, numClasses] rows with a 1 at each label's class. `numClasses` defaults to the largest
 * label + 1; labels must be whole numbers in [0, numClasses).
 */
export function oneHot(labels: Tensor | readonly number[], numClasses?: number, opts: { dtype?: DType } = {}): Tensor {
  let classes: Tensor;
  if (labels instanceof Tensor) {
    classes = labels;
  } else {
    if (!Array.isArray(labels)) throw new KilnError('oneHot: labels must be a tensor or an array of class indices');
    const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0);
    if (bad >= 0) throw new IndexError(`oneHot: label ${bad} is ${labels[bad]}; class indices are whole numbers from 0`);
    classes = tensor(BigInt64Array.from(labels, BigInt));
  }
  const encoded = oneHotOp(classes, numClasses ?? -1);
  if (classes !== labels) classes.dispose();
  const dtype = opts.dtype ?? 'float32';
  if (dtype === encoded.dtype) return encoded;
  const out = to(encoded, dtype);
  encoded.dispose();
  return out;
}
