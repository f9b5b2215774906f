// SPDX-License-Identifier: MIT
/**
 * trainTestSplit: a random train / validation / test split (scikit-learn's train_test_split,
 * with an optional validation part), stratified by class when labels are given, reproducible
 * from a seed.
 */
import { KilnError, ShapeError } from '../errors';
import { tensor } from '../ops/creation';
import { indexSelect } from '../ops/indexing';
import { defaultGenerator, Generator, randperm } from '../ops/random';
import { Tensor } from '../tensor/tensor';
import { apportion } from './apportion';
import { labelArray, LabelsLike, sortedClasses } from './labels';

export interface SplitOptions {
  /** The test part: a fraction of the rows (0 to 1, rounded up as scikit-learn does) or a row count. Default 0.25. */
  testSize?: number;
  /** The validation part, the same way; none by default. */
  valSize?: number;
  /**
   * Class labels, one per row: each class is then split in the same proportions as the whole
   * (every class's count in every part is within 1 item of its exact share).
   */
  stratify?: LabelsLike;
  /** Seeds a generator of its own: the same seed gives the same split. */
  seed?: number;
  /** The generator to draw from when no seed is given (the default generator otherwise). */
  generator?: Generator;
}

/** Row indices of each part, in random order (val is empty without valSize). */
export interface SplitIndices {
  train: number[];
  val: number[];
  test: number[];
}

/** The rows of each tensor for each part, in the order the tensors were given. */
export interface SplitTensors<T extends readonly Tensor[]> {
  train: { [K in keyof T]: Tensor };
  val: { [K in keyof T]: Tensor };
  test: { [K in keyof T]: Tensor };
  indices: SplitIndices;
}

/**
 * Splits n rows, or the rows (dim 0) of tensors, into train, validation and test parts.
 *
 * @example
 * const { train, val, test } = trainTestSplit(569, { testSize: 0.2, valSize: 0.2, stratify: labels, seed: 0 });
 * const parts = trainTestSplit([x, y], { testSize: 0.2, stratify: y, seed: 0 });
 * const [xTrain, yTrain] = parts.train;
 */
export function trainTestSplit(n: number, opts?: SplitOptions): SplitIndices;
export function trainTestSplit<T extends readonly Tensor[]>(tensors: T, opts?: SplitOptions): SplitTensors<T>;
export function trainTestSplit(data: number | readonly Tensor[], opts: SplitOptions = {}): SplitIndices | SplitTensors<readonly Tensor[]> {
  if (typeof data === 'number') return splitIndices(data, opts);
  if (!Array.isArray(data) || data.length === 0 || !data.every((t) => t instanceof Tensor))
    throw new KilnError('trainTestSplit: expected a row count or a non-empty array of tensors');
  const rows = data.map((t) => (t.ndim === 0 ? NaN : t.shape[0]));
  if (rows.some((r) => r !== rows[0]))
    throw new ShapeError(`trainTestSplit: the tensors must have the same number of rows (dim 0), got shapes ${data.map((t) => `[${t.shape.join(', ')}]`).join(', ')}`);
  const indices = splitIndices(rows[0], opts);
  const pick = (idx: number[]) => {
    const index = tensor(BigInt64Array.from(idx, BigInt));
    const parts = data.map((t) => indexSelect(t, 0, index));
    index.dispose();
    return parts;
  };
  return { train: pick(indices.train), val: pick(indices.val), test: pick(indices.test), indices };
}

function splitIndices(n: number, opts: SplitOptions): SplitIndices {
  if (!Number.isInteger(n) || n < 1) throw new KilnError(`trainTestSplit: the number of rows should be a positive integer, got ${n}`);
  const nTest = partSize('testSize', opts.testSize ?? 0.25, n);
  const nVal = partSize('valSize', opts.valSize ?? 0, n);
  const nTrain = n - nTest - nVal;
  if (nTrain < 1)
    throw new KilnError(`trainTestSplit: ${nTest} test and ${nVal} validation rows leave no training rows out of ${n}; choose smaller testSize/valSize`);

  const { classOf, classSizes } = classesOf(n, opts.stratify);
  // Parts in the order test, val, train: counts[c] says how many of class c each part gets.
  const counts = apportion(classSizes, [nTest, nVal, nTrain]);
  const generator = opts.seed !== undefined ? new Generator(opts.seed) : (opts.generator ?? defaultGenerator);
  const perm = randperm(n, { generator });
  const order = Array.from(perm.data() as BigInt64Array, Number);
  perm.dispose();

  // Walking one random order, each row joins the first part that still wants its class, so
  // every part comes out shuffled.
  const out: number[][] = [[], [], []];
  for (const i of order) {
    const wants = counts[classOf[i]];
    const p = wants.findIndex((k) => k > 0);
    wants[p]--;
    out[p].push(i);
  }
  return { test: out[0], val: out[1], train: out[2] };
}

/** A size option as a row count: fractions are rounded up, counts taken as they are. */
function partSize(name: string, size: number, n: number): number {
  if (typeof size !== 'number' || !(size >= 0)) throw new KilnError(`trainTestSplit: ${name} should be a fraction in [0, 1) or a row count, got ${size}`);
  if (size < 1) return Math.ceil(size * n);
  if (!Number.isInteger(size)) throw new KilnError(`trainTestSplit: ${name} of ${size} is neither a fraction below 1 nor a whole row count`);
  return size;
}

/** Each row's class position and each class's size; a single class when not stratifying. */
function classesOf(n: number, stratify: LabelsLike | undefined): { classOf: number[]; classSizes: number[] } {
  if (stratify === undefined) return { classOf: new Array<number>(n).fill(0), classSizes: [n] };
  const labels = labelArray('trainTestSplit', stratify);
  if (labels.length !== n) throw new ShapeError(`trainTestSplit: stratify has ${labels.length} labels for ${n} rows`);
  const position = new Map(sortedClasses(labels).map((c, i) => [c, i]));
  const classOf = labels.map((l) => position.get(l)!);
  const classSizes = new Array<number>(position.size).fill(0);
  for (const c of classOf) classSizes[c]++;
  return { classOf, classSizes };
}
