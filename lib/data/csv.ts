// SPDX-License-Identifier: MIT
/**
 * readCsv: CSV text, a CSV file or a gzipped one into a Table, parsed by csv-parse. A column
 * whose every field is a number becomes a number column (missing fields are NaN, as pandas
 * reads them); other columns keep their text. Malformed input is reported with its line and
 * column, so the file can be fixed.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { DTypeError, KilnError } from '../errors';
import { assertDType, DType, isIntegral } from '../tensor/dtype';
import { ColumnValues, Table } from './table';

export interface CsvOptions {
  /**
   * Whether the first record names the columns: true (the default, as pandas), false, or
   * 'auto': a header when none of the first record's fields is a number or empty.
   */
  header?: boolean | 'auto';
  /** Column names; with a header they replace its names, without one they name the columns (else '0', '1', ...). */
  columns?: readonly string[];
  /**
   * Require every field to be a number that `dtype` can hold (whole numbers for int32/int64);
   * toTensor then defaults to this dtype. Without it text columns are kept as strings.
   */
  dtype?: DType;
  /** The field separator, ',' by default. */
  delimiter?: string;
  /** Lines to skip at the start of the file, before the header (for a preamble or a metadata line). */
  skipRows?: number;
}

/**
 * Fields read as missing (NaN in number columns, '' in text columns): the common spellings of
 * "no value" that pandas' read_csv also treats as missing.
 */
const MISSING = new Set(['', 'NA', 'N/A', 'n/a', 'NaN', 'nan', '-NaN', '-nan', 'NULL', 'null', 'None', '<NA>', '#N/A']);
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITE = /^([+-]?)(inf|infinity)$/i;

/** The number a field spells, NaN for a missing field, or undefined when it is text. */
function parseNumber(field: string): number | undefined {
  const s = field.trim();
  if (MISSING.has(s)) return NaN;
  if (DECIMAL.test(s)) return Number(s);
  const inf = INFINITE.exec(s);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Reads CSV into a Table. `source` is CSV text when it contains a line break, otherwise the
 * path of a file; a Buffer holds a file's bytes. Gzipped files and buffers are recognized by
 * their first bytes.
 *
 * @example
 * const t = readCsv('data/iris.csv', { header: false, skipRows: 1 });
 * const x = t.drop(['4']).toTensor();
 */
export function readCsv(source: string | Buffer, opts: CsvOptions = {}): Table {
  const { text, origin } = loadText(source);
  const at = (line: number) => `readCsv: ${origin}line ${line}`;
  const dtype = opts.dtype === undefined ? undefined : assertDType(opts.dtype, 'readCsv');
  if (dtype === 'bool') throw new DTypeError("readCsv: dtype 'bool' is not supported; read the column as int64 and compare it");
  const skipRows = opts.skipRows ?? 0;
  if (!Number.isInteger(skipRows) || skipRows < 0) throw new KilnError(`readCsv: skipRows should be a non-negative integer, got ${skipRows}`);

  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = parse(text, {
      delimiter: opts.delimiter ?? ',',
      from_line: skipRows + 1,
      relax_column_count: true, // counted below, to name the line in our own words
      skip_empty_lines: true,
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      info: true,
    }) as unknown as typeof parsed; // with info: true each record comes with its line count
  } catch (e) {
    throw new KilnError(`readCsv: ${origin}${(e as Error).message}`);
  }
  const records = parsed.map((p) => p.record);
  const lines = parsed.map((p) => p.info.lines);

  const hasHeader = opts.header === 'auto' ? records.length > 0 && looksLikeHeader(records[0]) : (opts.header ?? true);
  const headerFields = hasHeader ? records.shift() : undefined;
  const headerLine = hasHeader ? lines.shift() : undefined;
  const width = opts.columns?.length ?? headerFields?.length ?? records[0]?.length ?? 0;
  if (opts.columns && headerFields && headerFields.length !== opts.columns.length)
    throw new KilnError(`${at(headerLine!)}: the header has ${headerFields.length} fields but ${opts.columns.length} column names were given`);
  const names = opts.columns?.slice() ?? headerFields?.map((h, j) => (h.trim() === '' ? `Unnamed: ${j}` : h)) ?? range(width).map(String);
  checkUnique(names, headerLine !== undefined ? at(headerLine) : 'readCsv');
  records.forEach((r, i) => {
    if (r.length !== width) throw new KilnError(`${at(lines[i])}: expected ${width} fields, got ${r.length}`);
  });

  const columns = names.map((name, j): [string, ColumnValues] => {
    const values = records.map((r) => parseNumber(r[j]));
    const textAt = values.findIndex((v) => v === undefined);
    if (textAt < 0) {
      if (dtype) checkRepresentable(values as number[], dtype, (i) => `${at(lines[i])}, column '${name}'`, records, j);
      return [name, Float64Array.from(values as number[])];
    }
    if (dtype)
      throw new DTypeError(
        `${at(lines[textAt])}, column '${name}': '${records[textAt][j]}' is not a number ` +
          `(dtype '${dtype}' needs every field to be one; leave dtype out to keep text columns, then drop or encode them)`,
      );
    return [name, records.map((r) => (MISSING.has(r[j].trim()) ? '' : r[j]))];
  });
  return new Table(columns, { dtype });
}

/** The CSV text of `source` and a prefix naming where it came from, for error messages. */
function loadText(source: string | Buffer): { text: string; origin: string } {
  if (Buffer.isBuffer(source)) return { text: decode(source), origin: '' };
  if (typeof source !== 'string') throw new KilnError(`readCsv: expected CSV text, a file path or a Buffer, got ${typeof source}`);
  if (/[\r\n]/.test(source)) return { text: source, origin: '' };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(source);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message;
    throw new KilnError(`readCsv: cannot read '${source}': ${why} (a string without a line break is taken as a file path)`);
  }
  return { text: decode(bytes, source), origin: `${source}: ` };
}

function decode(bytes: Buffer, path?: string): string {
  if (bytes.length < 2 || bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes.toString('utf8');
  try {
    return zlib.gunzipSync(bytes).toString('utf8');
  } catch (e) {
    throw new KilnError(`readCsv: ${path ? `'${path}' ` : ''}starts like gzip data but cannot be decompressed: ${(e as Error).message}`);
  }
}

/** 'auto' header rule: a first record of names has no number (and no empty field) in it. */
function looksLikeHeader(fields: readonly string[]): boolean {
  return fields.every((f) => parseNumber(f) === undefined);
}

function checkUnique(names: readonly string[], where: string): void {
  const seen = new Map<string, number>();
  names.forEach((n, j) => {
    const first = seen.get(n);
    if (first !== undefined) throw new KilnError(`${where}: column name '${n}' appears twice (columns ${first} and ${j}); column names must be unique`);
    seen.set(n, j);
  });
}

/** Integer dtypes hold whole numbers only, and no NaN. */
function checkRepresentable(values: readonly number[], dtype: DType, where: (i: number) => string, records: string[][], j: number): void {
  if (!isIntegral(dtype)) return;
  const bad = values.findIndex((v) => !Number.isInteger(v));
  if (bad >= 0) {
    const field = records[bad][j];
    const what = Number.isNaN(values[bad]) ? `'${field}' is a missing value` : `'${field}' is not a whole number`;
    throw new DTypeError(`${where(bad)}: ${what}, which dtype '${dtype}' cannot hold`);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
