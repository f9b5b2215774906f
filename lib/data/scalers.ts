// SPDX-License-Identifier: MIT
/**
 * Feature scaling fitted on the training rows only (so nothing about validation or test rows
 * leaks into the model), as scikit-learn's StandardScaler and MinMaxScaler: fit learns
 * per-column statistics, transform applies them to any rows, and toJSON/fromJSON keep them with
 * a saved model so new rows get the same scaling.
 */
import { KilnError, SerializationError, ShapeError } from '../errors';
import { to } from '../ops/convert';
import { tensor } from '../ops/creation';
import { add, div, mul, sub } from '../ops/math';
import { isFloating } from '../tensor/dtype';
import { scope } from '../tensor/memory';
import { Tensor } from '../tensor/tensor';

/**
 * Both scalers are affine per column, y = (x - shift) / divisor; a subclass turns its
 * statistics into shift and divisor, this base class does the checks and the arithmetic.
 */
abstract class AffineScaler {
  private affine: { shift: Float64Array; divisor: Float64Array } | null = null;

  protected abstract readonly name: string;
  /** Learns the statistics from the columns of the training rows. */
  protected abstract fitColumns(columns: Float64Array[]): void;
  /** The shift and divisor of each column, from the learned statistics. */
  protected abstract toAffine(): { shift: Float64Array; divisor: Float64Array };

  /** Learns per-column statistics from `x` (rows x features); NaN values are ignored, as in scikit-learn. */
  fit(x: Tensor): this {
    const columns = this.readColumns('fit', x);
    if (columns.length > 0 && columns[0].length === 0) throw new ShapeError(`${this.name}.fit: expected at least one row, got shape [${x.shape.join(', ')}]`);
    this.fitColumns(columns);
    this.useStatistics();
    return this;
  }

  /** Derives the affine map from the statistics just learned or restored. */
  protected useStatistics(): void {
    this.affine = this.toAffine();
  }

  /** Scales `x` with the fitted statistics; a floating tensor keeps its dtype, others become float32. */
  transform(x: Tensor): Tensor {
    const { shift, divisor } = this.fitted('transform', x);
    return this.apply(x, (xf, s, d) => div(sub(xf, s), d), shift, divisor);
  }

  /** Undoes transform: values in the original units. */
  inverseTransform(y: Tensor): Tensor {
    const { shift, divisor } = this.fitted('inverseTransform', y);
    return this.apply(y, (yf, s, d) => add(mul(yf, d), s), shift, divisor);
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  get isFitted(): boolean {
    return this.affine !== null;
  }

  /** The number of feature columns it was fitted on. */
  get nFeatures(): number {
    return this.affine?.shift.length ?? 0;
  }

  private fitted(op: string, x: Tensor): { shift: Float64Array; divisor: Float64Array } {
    if (!this.affine) throw new KilnError(`${this.name}.${op}: the scaler is not fitted; call fit(trainingRows) first`);
    checkMatrix(`${this.name}.${op}`, x);
    if (x.shape[1] !== this.affine.shift.length)
      throw new ShapeError(`${this.name}.${op}: the scaler was fitted on ${this.affine.shift.length} features, got a tensor of shape [${x.shape.join(', ')}]`);
    return this.affine;
  }

  private apply(
    x: Tensor,
    formula: (x: Tensor, shift: Tensor, divisor: Tensor) => Tensor,
    shift: Float64Array,
    divisor: Float64Array,
  ): Tensor {
    return scope(() => {
      const xf = isFloating(x.dtype) ? x : to(x, 'float32');
      const row = (v: Float64Array) => to(tensor(v, { dtype: xf.dtype }), xf.device);
      return formula(xf, row(shift), row(divisor));
    });
  }

  private readColumns(op: string, x: Tensor): Float64Array[] {
    checkMatrix(`${this.name}.${op}`, x);
    const [rows, cols] = x.shape;
    const flat = x.data();
    return Array.from({ length: cols }, (_, j) => Float64Array.from({ length: rows }, (_, i) => Number(flat[i * cols + j])));
  }
}

function checkMatrix(op: string, x: Tensor): void {
  if (!(x instanceof Tensor)) throw new KilnError(`${op}: expected a Tensor of rows x features`);
  if (x.ndim !== 2) throw new ShapeError(`${op}: expected a 2-d tensor of rows x features, got shape [${x.shape.join(', ')}]`);
}

function present(values: Float64Array): Float64Array {
  return values.filter((v) => !Number.isNaN(v));
}

/**
 * A divisor of 0 (a constant column) would make NaN; like scikit-learn, such a column is divided
 * by 1 instead, so it only loses its offset. "0" allows for rounding: 10 ulps of the values' size.
 */
function guardZero(divisor: number, magnitude: number): number {
  return Math.abs(divisor) <= 10 * Number.EPSILON * Math.max(1, Math.abs(magnitude)) ? 1 : divisor;
}

/** The statistics StandardScaler saves. */
export interface StandardScalerJSON {
  kind: 'StandardScaler';
  mean: number[];
  std: number[];
}

/**
 * Centers each column on 0 and scales it to unit variance: (x - mean) / std, with the
 * population std (divisor n, as scikit-learn) of the rows it was fitted on.
 *
 * @example
 * const scaler = new StandardScaler().fit(xTrain);
 * const [a, b] = [scaler.transform(xTrain), scaler.transform(xTest)];
 */
export class StandardScaler extends AffineScaler {
  protected readonly name = 'StandardScaler';
  private mean_: number[] = [];
  private std_: number[] = [];

  /** The fitted column means. */
  get mean(): readonly number[] {
    return this.mean_;
  }

  /** The fitted population standard deviations (before the zero guard). */
  get std(): readonly number[] {
    return this.std_;
  }

  protected fitColumns(columns: Float64Array[]): void {
    this.mean_ = [];
    this.std_ = [];
    for (const column of columns) {
      const v = present(column);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      this.mean_.push(mean);
      this.std_.push(Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length));
    }
  }

  protected toAffine() {
    return { shift: Float64Array.from(this.mean_), divisor: Float64Array.from(this.std_, (s, j) => guardZero(s, this.mean_[j])) };
  }

  toJSON(): StandardScalerJSON {
    return { kind: 'StandardScaler', mean: this.mean_.slice(), std: this.std_.slice() };
  }

  static fromJSON(json: unknown): StandardScaler {
    const [mean, std] = statsFrom('StandardScaler', json, ['mean', 'std']);
    const scaler = new StandardScaler();
    scaler.mean_ = mean;
    scaler.std_ = std;
    scaler.useStatistics();
    return scaler;
  }
}

/** MinMaxScaler's options. */
export interface MinMaxScalerOptions {
  /** The interval each column is mapped to, [0, 1] by default. */
  range?: readonly [number, number];
}

/** The statistics MinMaxScaler saves. */
export interface MinMaxScalerJSON {
  kind: 'MinMaxScaler';
  min: number[];
  max: number[];
  range: [number, number];
}

/**
 * Maps each column's fitted [min, max] onto `range` linearly. Rows outside the fitted range
 * (test rows may be) land outside `range`, as in scikit-learn without clipping.
 */
export class MinMaxScaler extends AffineScaler {
  protected readonly name = 'MinMaxScaler';
  readonly range: readonly [number, number];
  private min_: number[] = [];
  private max_: number[] = [];

  constructor(opts: MinMaxScalerOptions = {}) {
    super();
    const range = opts.range ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[0] < range[1]))
      throw new KilnError(`MinMaxScaler: range should be [low, high] with low < high, got ${JSON.stringify(range)}`);
    this.range = [range[0], range[1]];
  }

  get min(): readonly number[] {
    return this.min_;
  }

  get max(): readonly number[] {
    return this.max_;
  }

  protected fitColumns(columns: Float64Array[]): void {
    this.min_ = columns.map((c) => present(c).reduce((a, b) => Math.min(a, b), Infinity));
    this.max_ = columns.map((c) => present(c).reduce((a, b) => Math.max(a, b), -Infinity));
  }

  protected toAffine() {
    // y = lo + (x - min) * (hi - lo) / (max - min), written as (x - shift) / divisor.
    const [lo, hi] = this.range;
    const divisor = Float64Array.from(this.min_, (min, j) => guardZero(this.max_[j] - min, this.max_[j]) / (hi - lo));
    const shift = Float64Array.from(this.min_, (min, j) => min - lo * divisor[j]);
    return { shift, divisor };
  }

  toJSON(): MinMaxScalerJSON {
    return { kind: 'MinMaxScaler', min: this.min_.slice(), max: this.max_.slice(), range: [this.range[0], this.range[1]] };
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const [min, max] = statsFrom('MinMaxScaler', json, ['min', 'max']);
    const scaler = new MinMaxScaler({ range: (json as Partial<MinMaxScalerJSON>).range });
    scaler.min_ = min;
    scaler.max_ = max;
    scaler.useStatistics();
    return scaler;
  }
}

/** Two equally long number arrays named `keys` from a saved scaler of kind `kind`, checked. */
function statsFrom(kind: string, data: unknown, keys: readonly [string, string]): [number[], number[]] {
  const json = data as Record<string, unknown> | null;
  if (json === null || typeof json !== 'object' || json.kind !== kind)
    throw new SerializationError(`${kind}.fromJSON: expected an object with kind '${kind}' (from toJSON()), got ${JSON.stringify(json)?.slice(0, 80)}`);
  const arrays = keys.map((k) => {
    const v = json[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
      throw new SerializationError(`${kind}.fromJSON: '${k}' should be an array of numbers, got ${JSON.stringify(v)?.slice(0, 80)}`);
    return v as number[];
  });
  if (arrays[0].length !== arrays[1].length)
    throw new SerializationError(`${kind}.fromJSON: '${keys[0]}' has ${arrays[0].length} entries but '${keys[1]}' has ${arrays[1].length}`);
  return [arrays[0].slice(), arrays[1].slice()];
}
