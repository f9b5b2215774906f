// SPDX-License-Identifier: MIT
/**
 * Table: named columns of numbers (Float64Array) or strings, as readCsv returns them. It is
 * for loading, looking at and choosing columns before turning them into a tensor, not a
 * dataframe library: no joins, group-bys or arithmetic (do those on tensors).
 */
import { inspect } from 'node:util';
import { DTypeError, KilnError, ShapeError } from '../errors';
import { tensor } from '../ops/creation';
import { reshape } from '../ops/views';
import { assertDType, DType, isIntegral, TYPED_ARRAY } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { Align, formatNumbers, renderTable } from './format-table';

/** A column: numbers (missing values are NaN) or strings (missing values are ''). */
export type ColumnValues = Float64Array | readonly string[];

/** The kind of a column: 'float64' for numbers, 'string' otherwise (pandas' float64 / object). */
export type ColumnKind = 'float64' | 'string';

export interface TableOptions {
  /** The original row number of each row (0-based), kept by head, tail and take so printouts say where rows came from. */
  index?: readonly number[];
  /** The dtype toTensor uses when it is given none (readCsv sets it from its own `dtype`). */
  dtype?: DType;
}

export interface TableFormatOptions {
  /** More rows than this print as the first and last 5 with '...' between (pandas prints 10 of a long frame). */
  maxRows?: number;
  /** More columns than this print as the first and last few with '...' between. */
  maxColumns?: number;
}

const DEFAULT_MAX_ROWS = 20;
const DEFAULT_MAX_COLUMNS = 12;
const EDGE_ROWS = 5;

export class Table {
  readonly columns: readonly string[];
  readonly rows: number;
  readonly index: readonly number[];
  /** The default dtype of toTensor. */
  readonly dtype: DType;
  private readonly data: ReadonlyMap<string, ColumnValues>;

  /**
   * Columns in order, as an object (`{ age: [31, 45], name: ['a', 'b'] }`) or as [name, values]
   * pairs. Number arrays are stored as Float64Array; every column must have the same length.
   */
  constructor(
    columns: Readonly<Record<string, ColumnValues | readonly number[]>> | ReadonlyArray<readonly [string, ColumnValues | readonly number[]]>,
    opts: TableOptions = {},
  ) {
    const entries = Array.isArray(columns) ? columns : Object.entries(columns);
    const data = new Map<string, ColumnValues>();
    for (const [name, values] of entries) {
      if (data.has(name)) throw new KilnError(`Table: column '${name}' appears twice; column names must be unique`);
      data.set(name, toColumn(name, values));
    }
    const lengths = [...data.values()].map((v) => v.length);
    const rows = lengths.length > 0 ? lengths[0] : (opts.index?.length ?? 0);
    const names = [...data.keys()];
    lengths.forEach((n, j) => {
      if (n !== rows)
        throw new ShapeError(`Table: column '${names[j]}' has ${n} values but column '${names[0]}' has ${rows}; columns must have equal lengths`);
    });
    if (opts.index && opts.index.length !== rows)
      throw new ShapeError(`Table: index has ${opts.index.length} entries for ${rows} rows`);
    this.data = data;
    this.columns = names;
    this.rows = rows;
    this.index = opts.index ? opts.index.slice() : Array.from({ length: rows }, (_, i) => i);
    this.dtype = opts.dtype ? assertDType(opts.dtype, 'Table') : 'float32';
  }

  /** The constructor as a factory: `Table.fromColumns({ x: [1, 2], label: ['a', 'b'] })`. */
  static fromColumns(
    columns: Readonly<Record<string, ColumnValues | readonly number[]>> | ReadonlyArray<readonly [string, ColumnValues | readonly number[]]>,
    opts: TableOptions = {},
  ): Table {
    return new Table(columns, opts);
  }

  /**
   * A table of a 1-d tensor (one column) or a 2-d tensor (rows x columns). Columns are named
   * `names`, or '0', '1', ... as pandas names unnamed columns.
   */
  static fromTensor(t: Tensor, names?: readonly string[]): Table {
    if (t.ndim !== 1 && t.ndim !== 2) throw new ShapeError(`Table.fromTensor: expected a 1-d or 2-d tensor, got shape [${t.shape.join(', ')}]`);
    const [rows, cols] = t.ndim === 1 ? [t.shape[0], 1] : [t.shape[0], t.shape[1]];
    const labels = names ?? Array.from({ length: cols }, (_, j) => String(j));
    if (labels.length !== cols) throw new ShapeError(`Table.fromTensor: got ${labels.length} names for ${cols} columns`);
    const flat = t.data();
    const columns = labels.map((name, j) => {
      const col = new Float64Array(rows);
      for (let i = 0; i < rows; i++) col[i] = Number(flat[i * cols + j]);
      return [name, col] as const;
    });
    return new Table(columns, { index: range(0, rows) }); // keeps the row count when there are no columns
  }

  /** The values of a column (the stored array: do not modify it). */
  column(name: string): ColumnValues {
    const values = this.data.get(name);
    if (values === undefined) throw new KilnError(`Table.column: no column '${name}'; the columns are ${listNames(this.columns)}`);
    return values;
  }

  /** A numeric column's values, else a DTypeError naming it. */
  numbers(name: string): Float64Array {
    const values = this.column(name);
    if (!(values instanceof Float64Array)) throw new DTypeError(`Table.numbers: column '${name}' holds strings, not numbers`);
    return values;
  }

  /** The kind of each column. */
  get dtypes(): Record<string, ColumnKind> {
    return Object.fromEntries(this.columns.map((c) => [c, this.data.get(c) instanceof Float64Array ? 'float64' : 'string']));
  }

  isNumeric(name: string): boolean {
    return this.column(name) instanceof Float64Array;
  }

  /** A table of the named columns, in the order given. */
  select(names: readonly string[]): Table {
    return this.withColumns(names.map((n) => [n, this.column(n)] as const));
  }

  /** A table without the named columns. */
  drop(names: readonly string[]): Table {
    names.forEach((n) => this.column(n)); // an unknown name is a mistake worth reporting
    return this.withColumns(this.columns.filter((c) => !names.includes(c)).map((c) => [c, this.column(c)] as const));
  }

  /** The rows at the given positions (0-based, in that order). */
  take(positions: readonly number[]): Table {
    positions.forEach((p) => {
      if (!Number.isInteger(p) || p < 0 || p >= this.rows)
        throw new KilnError(`Table.take: row position ${p} is out of range for a table of ${this.rows} rows`);
    });
    const columns = this.columns.map((c) => {
      const values = this.column(c);
      const picked = values instanceof Float64Array ? Float64Array.from(positions, (p) => values[p]) : positions.map((p) => values[p]);
      return [c, picked] as const;
    });
    return new Table(columns, { index: positions.map((p) => this.index[p]), dtype: this.dtype });
  }

  /** The first n rows. */
  head(n = 5): Table {
    return this.take(range(0, Math.min(Math.max(n, 0), this.rows)));
  }

  /** The last n rows. */
  tail(n = 5): Table {
    return this.take(range(Math.max(this.rows - Math.max(n, 0), 0), this.rows));
  }

  /**
   * The named columns (all by default) as a rows x columns tensor of `dtype` (the table's
   * default, float32 unless readCsv was given another). String columns cannot be converted;
   * for integer dtypes every value must be a whole number (NaN cannot be stored).
   */
  toTensor(columns: readonly string[] = this.columns, opts: { dtype?: DType } = {}): Tensor {
    const dtype = opts.dtype ? assertDType(opts.dtype, 'Table.toTensor') : this.dtype;
    const cols = columns.map((name) => {
      const values = this.column(name);
      if (!(values instanceof Float64Array))
        throw new DTypeError(
          `Table.toTensor: column '${name}' holds strings, so it cannot become a ${dtype} tensor; ` +
            `encode it as numbers (for class names, their positions in a list of classes) or leave it out with drop(['${name}'])`,
        );
      return values;
    });
    const out = new TYPED_ARRAY[dtype](this.rows * cols.length) as unknown as { [i: number]: number | bigint };
    cols.forEach((values, j) => {
      for (let i = 0; i < this.rows; i++) {
        const v = values[i];
        if (isIntegral(dtype, true) && !Number.isInteger(v))
          throw new DTypeError(`Table.toTensor: column '${columns[j]}', row ${this.index[i]}: ${v} is not a whole number, so it cannot be stored as ${dtype}`);
        out[i * cols.length + j] = dtype === 'int64' ? BigInt(v) : v;
      }
    });
    const flat = tensor(out as unknown as Float32Array, { dtype });
    const shaped = reshape(flat, [this.rows, cols.length]);
    flat.dispose(); // the view keeps the storage
    return shaped;
  }

  /** An aligned text table: the row index, then each column; long tables are cut in the middle. */
  toString(opts: TableFormatOptions = {}): string {
    const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
    const maxColumns = opts.maxColumns ?? DEFAULT_MAX_COLUMNS;
    const rowCut = this.rows > maxRows;
    const shownRows = rowCut ? [...range(0, EDGE_ROWS), -1, ...range(this.rows - EDGE_ROWS, this.rows)] : range(0, this.rows);
    const colCut = this.columns.length > maxColumns;
    const half = Math.max(1, Math.floor(maxColumns / 2));
    const shownCols = colCut ? [...this.columns.slice(0, half), null, ...this.columns.slice(-half)] : this.columns;

    const realRows = shownRows.filter((i) => i >= 0);
    const cells = shownCols.map((name) => {
      if (name === null) return shownRows.map(() => '...');
      const values = this.column(name);
      const texts = values instanceof Float64Array ? formatNumbers(realRows.map((i) => values[i])) : realRows.map((i) => values[i]);
      let k = 0;
      return shownRows.map((i) => (i < 0 ? '...' : texts[k++]));
    });
    const indexCells = shownRows.map((i) => (i < 0 ? '...' : String(this.index[i])));
    const header = ['', ...shownCols.map((c) => c ?? '...')];
    const align: Align[] = ['left', ...shownCols.map((c): Align => (c !== null && !this.isNumeric(c) ? 'left' : 'right'))];
    const rows = shownRows.map((_, r) => [indexCells[r], ...cells.map((col) => col[r])]);
    const text = renderTable({ header, rows, align });
    return rowCut || colCut ? `${text}\n\n[${this.rows} rows x ${this.columns.length} columns]` : text;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  private withColumns(columns: ReadonlyArray<readonly [string, ColumnValues]>): Table {
    return new Table(columns, { index: this.index, dtype: this.dtype });
  }
}

function toColumn(name: string, values: ColumnValues | readonly number[]): ColumnValues {
  if (values instanceof Float64Array) return values;
  if (!Array.isArray(values)) throw new KilnError(`Table: column '${name}' must be a Float64Array or an array of numbers or strings`);
  if (values.every((v) => typeof v === 'number')) return Float64Array.from(values as readonly number[]);
  if (values.every((v) => typeof v === 'string')) return values as readonly string[];
  const odd = values.find((v) => typeof v !== 'number' && typeof v !== 'string');
  throw new KilnError(
    odd === undefined
      ? `Table: column '${name}' mixes numbers and strings; a column holds one or the other`
      : `Table: column '${name}' holds a ${typeof odd}; expected numbers or strings`,
  );
}

function range(start: number, stop: number): number[] {
  return Array.from({ length: Math.max(stop - start, 0) }, (_, i) => start + i);
}

/** Column names for an error message, shortened when there are many. */
export function listNames(names: readonly string[], max = 12): string {
  const quoted = names.slice(0, max).map((n) => `'${n}'`);
  return names.length > max ? `${quoted.join(', ')}, ... (${names.length} in all)` : `[${quoted.join(', ')}]`;
}
