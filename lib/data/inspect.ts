// SPDX-License-Identifier: MIT
/**
 * A first look at data, as pandas gives it: describe (per-column statistics), info (columns,
 * kinds, missing values, memory), and head, tail and sampleRows to see actual rows. Each returns
 * data and prints as an aligned table.
 */
import { inspect } from 'node:util';
import { KilnError, ShapeError } from '../errors';
import { tensor } from '../ops/creation';
import { indexSelect } from '../ops/indexing';
import { Generator, randperm } from '../ops/random';
import { narrow } from '../ops/views';
import { Tensor } from '../tensor/tensor';
import { formatBytes, formatNumbers, renderTable } from './format-table';
import { ColumnKind, listNames, Table } from './table';

/** Tables, or tensors read as tables (1-d: one column; 2-d: rows x columns named '0', '1', ...). */
export type Inspectable = Table | Tensor;

function asTable(op: string, data: Inspectable): Table {
  if (data instanceof Table) return data;
  if (data instanceof Tensor) return Table.fromTensor(data);
  throw new KilnError(`${op}: expected a Table or a Tensor, got ${typeof data}`);
}

export const DESCRIBE_STATS = ['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max'] as const;
export type DescribeStat = (typeof DESCRIBE_STATS)[number];
export type ColumnStats = Record<DescribeStat, number>;

/** describe's result: statistics per numeric column. */
export class Description {
  constructor(
    readonly columns: readonly string[],
    readonly stats: readonly ColumnStats[],
  ) {}

  /** The statistics of one column. */
  get(column: string): ColumnStats {
    const j = this.columns.indexOf(column);
    if (j < 0) throw new KilnError(`Description.get: no column '${column}'; described columns are ${listNames(this.columns)}`);
    return this.stats[j];
  }

  /**
   * One line per column and one column per statistic (pandas' `describe().T`), which stays
   * readable for tables with dozens of columns.
   */
  toString(): string {
    const formatted = DESCRIBE_STATS.map((s) => formatNumbers(this.stats.map((c) => c[s])));
    const rows = this.columns.map((name, j) => [name, ...formatted.map((col) => col[j])]);
    return renderTable({ header: ['', ...DESCRIBE_STATS], rows, align: ['left'] });
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * count, mean, std, min, quartiles and max of every numeric column, skipping NaN (missing)
 * values as pandas does. std is the sample standard deviation (divisor count - 1, NaN for a
 * single value); quartiles interpolate linearly between the two nearest ranks (numpy's
 * default). Text columns are left out.
 */
export function describe(data: Inspectable): Description {
  const table = asTable('describe', data);
  const numeric = table.columns.filter((c) => table.isNumeric(c));
  if (numeric.length === 0) throw new KilnError(`describe: no numeric columns to describe among ${listNames(table.columns)}`);
  return new Description(
    numeric,
    numeric.map((c) => columnStats(table.numbers(c))),
  );
}

function columnStats(values: Float64Array): ColumnStats {
  const v = values.filter((x) => !Number.isNaN(x)).sort();
  const n = v.length;
  const mean = n === 0 ? NaN : v.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? NaN : Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { count: n, mean, std, min: quantile(v, 0), '25%': quantile(v, 0.25), '50%': quantile(v, 0.5), '75%': quantile(v, 0.75), max: quantile(v, 1) };
}

/** The q-quantile of ascending `sorted` values, interpolating between neighbours (numpy's 'linear'). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface ColumnInfo {
  name: string;
  dtype: ColumnKind;
  /** Values that are not missing (NaN in number columns, '' in text columns). */
  nonNull: number;
}

/** info's result: the table's size and, per column, its kind and how many values are present. */
export class TableInfo {
  constructor(
    readonly rows: number,
    readonly columns: readonly ColumnInfo[],
    /**
     * The columns' memory: 8 bytes per number, 2 per UTF-16 code unit of text (the string
     * payload, without the engine's per-string overhead, like pandas' shallow memory_usage).
     */
    readonly memoryBytes: number,
  ) {}

  toString(): string {
    const rows = this.columns.map((c, j) => [String(j), c.name, String(c.nonNull), c.dtype]);
    return [
      `Table: ${this.rows} rows x ${this.columns.length} columns`,
      renderTable({ header: ['#', 'column', 'non-null', 'dtype'], rows, align: ['right', 'left', 'right', 'left'] }),
      `memory: ${formatBytes(this.memoryBytes)}`,
    ].join('\n');
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Rows, columns, each column's kind and non-missing count, and the memory the values take. */
export function info(data: Inspectable): TableInfo {
  const table = asTable('info', data);
  let bytes = 0;
  const columns = table.columns.map((name): ColumnInfo => {
    const values = table.column(name);
    if (values instanceof Float64Array) {
      bytes += values.byteLength;
      return { name, dtype: 'float64', nonNull: values.reduce((k, v) => k + (Number.isNaN(v) ? 0 : 1), 0) };
    }
    bytes += values.reduce((k, s) => k + 2 * s.length, 0);
    return { name, dtype: 'string', nonNull: values.reduce((k, s) => k + (s === '' ? 0 : 1), 0) };
  });
  return new TableInfo(table.rows, columns, bytes);
}

function rowCount(op: string, data: Inspectable): number {
  if (data instanceof Table) return data.rows;
  if (data instanceof Tensor) {
    if (data.ndim === 0) throw new ShapeError(`${op}: a 0-d tensor has no rows; expected at least 1 dimension`);
    return data.shape[0];
  }
  throw new KilnError(`${op}: expected a Table or a Tensor, got ${typeof data}`);
}

function checkCount(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new KilnError(`${op}: n should be a non-negative integer, got ${n}`);
}

/** The first n rows: a Table, or for a tensor a view of its first n entries along dim 0. */
export function head(data: Table, n?: number): Table;
export function head(data: Tensor, n?: number): Tensor;
export function head(data: Inspectable, n = 5): Inspectable {
  checkCount('head', n);
  const k = Math.min(n, rowCount('head', data));
  return data instanceof Table ? data.head(k) : narrow(data, 0, 0, k);
}

/** The last n rows (a view for a tensor). */
export function tail(data: Table, n?: number): Table;
export function tail(data: Tensor, n?: number): Tensor;
export function tail(data: Inspectable, n = 5): Inspectable {
  checkCount('tail', n);
  const rows = rowCount('tail', data);
  const k = Math.min(n, rows);
  return data instanceof Table ? data.tail(k) : narrow(data, 0, rows - k, k);
}

export interface SampleRowsOptions {
  /** How many rows (default 9). */
  n?: number;
  /** The same seed picks the same rows (default 0). */
  seed?: number;
}

/**
 * n rows drawn at random from the start, the middle and the end thirds of the data (a third
 * of them from each), in their original order. Files are often sorted (by class, by date), so
 * rows from one place can mislead; head alone shows only the first class of a sorted file.
 */
export function sampleRows(data: Table, opts?: SampleRowsOptions): Table;
export function sampleRows(data: Tensor, opts?: SampleRowsOptions): Tensor;
export function sampleRows(data: Inspectable, opts: SampleRowsOptions = {}): Inspectable {
  const picked = sampleRowIndices(rowCount('sampleRows', data), opts);
  if (data instanceof Table) return data.take(picked);
  const index = tensor(BigInt64Array.from(picked, BigInt));
  const out = indexSelect(data, 0, index);
  index.dispose();
  return out;
}

/** The row positions sampleRows picks, ascending. */
export function sampleRowIndices(rows: number, { n = 9, seed = 0 }: SampleRowsOptions = {}): number[] {
  checkCount('sampleRows', n);
  if (n >= rows) return Array.from({ length: rows }, (_, i) => i);
  const bounds = [0, Math.floor(rows / 3), Math.floor((2 * rows) / 3), rows];
  const sizes = [0, 1, 2].map((s) => bounds[s + 1] - bounds[s]);
  // A third each; what a small part cannot give moves on to the next part with room.
  const want = [0, 1, 2].map((s) => Math.floor(n / 3) + (s < n % 3 ? 1 : 0));
  const take = want.map((w, s) => Math.min(w, sizes[s]));
  let short = n - take.reduce((a, b) => a + b, 0);
  for (let s = 0; short > 0; s = (s + 1) % 3) {
    if (take[s] < sizes[s]) {
      take[s]++;
      short--;
    }
  }
  const generator = new Generator(seed);
  const picked = take.flatMap((k, s) => {
    const perm = randperm(sizes[s], { generator });
    const chosen = Array.from((perm.data() as BigInt64Array).subarray(0, k), (v) => bounds[s] + Number(v));
    perm.dispose();
    return chosen;
  });
  return picked.sort((a, b) => a - b);
}
