// SPDX-License-Identifier: MIT
/**
 * Class labels given as a tensor or as a JS array, read into one form: classBalance and the
 * stratified split both take either, and both sort classes the same way.
 */
import { KilnError, ShapeError } from '../errors';
import { Tensor } from '../tensor/tensor';

export type Label = number | string;
export type LabelsLike = Tensor | readonly number[] | readonly string[];

/** The labels as a JS array (a 1-d tensor's elements as numbers). */
export function labelArray(op: string, labels: LabelsLike): Label[] {
  let out: Label[];
  if (labels instanceof Tensor) {
    if (labels.ndim !== 1) throw new ShapeError(`${op}: labels must be a 1-d tensor, got shape [${labels.shape.join(', ')}]`);
    out = Array.from(labels.data() as ArrayLike<number | bigint>, Number);
  } else {
    if (!Array.isArray(labels)) throw new KilnError(`${op}: labels must be a 1-d tensor or an array of numbers or strings`);
    const kinds = new Set(labels.map((l) => typeof l));
    if (kinds.size > 1 || (kinds.size === 1 && !kinds.has('number') && !kinds.has('string')))
      throw new KilnError(`${op}: labels must be all numbers or all strings, got ${[...kinds].join(' and ')}`);
    out = labels.slice();
  }
  // NaN is no class: it equals nothing, so it would neither sort nor count.
  const nan = out.findIndex((l) => typeof l === 'number' && Number.isNaN(l));
  if (nan >= 0) throw new KilnError(`${op}: label ${nan} is NaN; every row needs a class`);
  return out;
}

/** The distinct labels in order: numbers ascending, strings in code-unit order (as sorted() in Python). */
export function sortedClasses(labels: readonly Label[]): Label[] {
  const classes = [...new Set(labels)];
  return classes.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : a < b ? -1 : a > b ? 1 : 0));
}
