// SPDX-License-Identifier: MIT
/** readCsv (text, files, gzip, headers, missing values, malformed input) and the Table it returns. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { readCsv } from '../../lib/data/csv';
import { Table } from '../../lib/data/table';
import { DTypeError, KilnError, ShapeError } from '../../lib/errors';
import * as kiln from '../../lib';

const numbers = (t: Table, name: string) => Array.from(t.column(name) as Float64Array);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-csv-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('parsing', () => {
  test('a header, number columns (empty field -> NaN) and a text column', () => {
    const t = readCsv('age,height,name\n31,1.75,ann\n45,,bob\n-2.5e1,+3,cy\n');
    expect(t.columns).toEqual(['age', 'height', 'name']);
    expect(t.rows).toBe(3);
    expect(t.dtypes).toEqual({ age: 'float64', height: 'float64', name: 'string' });
    expect(numbers(t, 'age')).toEqual([31, 45, -25]);
    expect(numbers(t, 'height')).toEqual([1.75, NaN, 3]);
    expect(t.column('name')).toEqual(['ann', 'bob', 'cy']);
  });

  test('no header: columns are named 0, 1, ... unless names are given', () => {
    const t = readCsv('1,2\n3,4\n', { header: false });
    expect(t.columns).toEqual(['0', '1']);
    expect(numbers(t, '1')).toEqual([2, 4]);
    const named = readCsv('1,2\n3,4\n', { header: false, columns: ['a', 'b'] });
    expect(named.columns).toEqual(['a', 'b']);
    expect(numbers(named, 'a')).toEqual([1, 3]);
  });

  test('given names replace a header', () => {
    const t = readCsv('x,y\n1,2\n', { columns: ['a', 'b'] });
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.rows).toBe(1);
  });

  test("header 'auto' takes a first line without numbers as names, and one with numbers as data", () => {
    expect(readCsv('a,b\n1,2\n', { header: 'auto' }).columns).toEqual(['a', 'b']);
    const t = readCsv('1,b\n3,c\n', { header: 'auto' });
    expect(t.columns).toEqual(['0', '1']);
    expect(t.rows).toBe(2);
  });

  test('quoted fields keep commas, quotes and line breaks', () => {
    const t = readCsv('name,note,n\n"Smith, J","said ""hi""",1\n"two\nlines",plain,2\n');
    expect(t.column('name')).toEqual(['Smith, J', 'two\nlines']);
    expect(t.column('note')).toEqual(['said "hi"', 'plain']);
    expect(numbers(t, 'n')).toEqual([1, 2]);
  });

  test('missing-value spellings, infinities, spaces around numbers; other text makes a text column', () => {
    const t = readCsv('a,b\nNA,inf\n nan ,-Infinity\n 7 ,1e-3\n', {});
    expect(numbers(t, 'a')).toEqual([NaN, NaN, 7]);
    expect(numbers(t, 'b')).toEqual([Infinity, -Infinity, 0.001]);
    const text = readCsv('a\n1\n0x10\nNA\n');
    expect(text.dtypes.a).toBe('string');
    expect(text.column('a')).toEqual(['1', '0x10', '']); // missing stays missing: ''
  });

  test('another delimiter, skipped lines, CRLF line ends and blank lines', () => {
    const t = readCsv('# exported by a tool\r\na;b\r\n1;2\r\n\r\n3;4\r\n', { delimiter: ';', skipRows: 1 });
    expect(t.columns).toEqual(['a', 'b']);
    expect(numbers(t, 'b')).toEqual([2, 4]);
  });

  test('an empty text gives an empty table', () => {
    const t = readCsv('\n');
    expect(t.rows).toBe(0);
    expect(t.columns).toEqual([]);
  });
});

describe('sources', () => {
  const csv = 'a,b\n1,x\n2,y\n';

  test('a file path, a Buffer, a gzipped file and a gzipped Buffer read the same', () => {
    const plain = path.join(dir, 'plain.csv');
    const gz = path.join(dir, 'packed.csv.gz');
    fs.writeFileSync(plain, csv);
    fs.writeFileSync(gz, zlib.gzipSync(csv));
    for (const source of [plain, gz, Buffer.from(csv), zlib.gzipSync(csv)]) {
      const t = readCsv(source);
      expect(numbers(t, 'a')).toEqual([1, 2]);
      expect(t.column('b')).toEqual(['x', 'y']);
    }
  });

  test('a missing file is named in the error', () => {
    const missing = path.join(dir, 'nope.csv');
    expect(() => readCsv(missing)).toThrow(KilnError);
    expect(() => readCsv(missing)).toThrow(`cannot read '${missing}': no such file`);
  });

  test('a file that starts like gzip but is not is reported', () => {
    const fake = path.join(dir, 'fake.gz');
    fs.writeFileSync(fake, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => readCsv(fake)).toThrow(/starts like gzip data but cannot be decompressed/);
  });
});

describe('malformed input names the line and column', () => {
  test('a row with too few or too many fields', () => {
    expect(() => readCsv('a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n')).toThrow(
      'readCsv: line 7: expected 5 fields, got 4',
    );
    expect(() => readCsv('a,b\n1,2,3\n')).toThrow('line 2: expected 2 fields, got 3');
  });

  test('line numbers count skipped and blank lines, and files are named', () => {
    const file = path.join(dir, 'ragged.csv');
    fs.writeFileSync(file, 'meta\na,b\n1,2\n\n3\n');
    expect(() => readCsv(file, { skipRows: 1 })).toThrow(`readCsv: ${file}: line 5: expected 2 fields, got 1`);
  });

  test('text where dtype requires numbers', () => {
    const run = () => readCsv('id,age\n1,30\n2,abc\n', { dtype: 'float32' });
    expect(run).toThrow(DTypeError);
    expect(run).toThrow("line 3, column 'age': 'abc' is not a number");
  });

  test('fractions or missing values where an integer dtype is required', () => {
    expect(() => readCsv('k\n1\n1.5\n', { dtype: 'int64' })).toThrow("line 3, column 'k': '1.5' is not a whole number, which dtype 'int64' cannot hold");
    expect(() => readCsv('1,2\n\n3,4\n,5\n', { dtype: 'int32', header: false })).toThrow(/line 4, column '0': '' is a missing value/);
  });

  test('an unclosed quote', () => {
    expect(() => readCsv('a,b\n"open,1\n')).toThrow(/Quote Not Closed.*line 2/);
  });

  test('duplicate column names and a header that does not match the given names', () => {
    expect(() => readCsv('a,b,a\n1,2,3\n')).toThrow("line 1: column name 'a' appears twice (columns 0 and 2)");
    expect(() => readCsv('a,b\n1,2\n', { columns: ['x'] })).toThrow('line 1: the header has 2 fields but 1 column names were given');
  });

  test('bad options', () => {
    expect(() => readCsv('a\n1\n', { skipRows: -1 })).toThrow('skipRows should be a non-negative integer, got -1');
    expect(() => readCsv('a\n1\n', { dtype: 'bool' })).toThrow(DTypeError);
    expect(() => readCsv(42 as unknown as string)).toThrow('expected CSV text, a file path or a Buffer, got number');
  });
});

describe('Table', () => {
  const t = () =>
    new Table({ x: [1, 2, 3, 4], label: ['a', 'b', 'a', 'c'], y: Float64Array.from([0.5, -1, 2.25, 10]) });

  test('select, drop and toTensor', () => {
    expect(t().select(['y', 'x']).columns).toEqual(['y', 'x']);
    expect(t().drop(['label']).columns).toEqual(['x', 'y']);
    const m = t().toTensor(['x', 'y']);
    expect(m.dtype).toBe('float32');
    expect(m.shape).toEqual([4, 2]);
    expect(m.toArray()).toEqual([[1, 0.5], [2, -1], [3, 2.25], [4, 10]]);
    expect(t().toTensor(['x'], { dtype: 'int64' }).toArray()).toEqual([[1], [2], [3], [4]]);
  });

  test('toTensor refuses a text column and says how to fix it', () => {
    const run = () => t().toTensor();
    expect(run).toThrow(DTypeError);
    expect(run).toThrow("column 'label' holds strings");
    expect(run).toThrow("drop(['label'])");
    expect(() => t().toTensor(['y'], { dtype: 'int32' })).toThrow("column 'y', row 0: 0.5 is not a whole number");
  });

  test('readCsv dtype becomes the default of toTensor', () => {
    expect(readCsv('a\n1\n', { dtype: 'float64' }).toTensor().dtype).toBe('float64');
  });

  test('head, tail and take keep the original row numbers', () => {
    expect(t().head(2).index).toEqual([0, 1]);
    const tail = t().tail(3);
    expect(tail.index).toEqual([1, 2, 3]);
    expect(tail.column('label')).toEqual(['b', 'a', 'c']);
    expect(t().take([3, 0]).index).toEqual([3, 0]);
    expect(t().head(10).rows).toBe(4);
  });

  test('fromTensor names columns 0, 1, ...', () => {
    const from = Table.fromTensor(kiln.tensor([[1, 2], [3, 4]]));
    expect(from.columns).toEqual(['0', '1']);
    expect(numbers(from, '1')).toEqual([2, 4]);
  });

  test('toString aligns numbers right (with shared decimals per column) and text left', () => {
    expect(t().toString()).toBe(
      ['   x  label      y', '0  1  a       0.50', '1  2  b      -1.00', '2  3  a       2.25', '3  4  c      10.00'].join('\n'),
    );
  });

  test('long and wide tables print their edges and their size', () => {
    const wide = new Table(Array.from({ length: 30 }, (_, j) => [`c${j}`, Array.from({ length: 50 }, (_, i) => i * 100 + j)] as const));
    const lines = wide.toString({ maxRows: 10, maxColumns: 4 }).split('\n');
    expect(lines[0].trim().split(/\s+/)).toEqual(['c0', 'c1', '...', 'c28', 'c29']);
    expect(lines[1].trim().split(/\s+/)).toEqual(['0', '0', '1', '...', '28', '29']);
    expect(lines[6].trim().split(/\s+/)).toEqual(['...', '...', '...', '...', '...', '...']);
    expect(lines[11].trim().split(/\s+/)).toEqual(['49', '4900', '4901', '...', '4928', '4929']);
    expect(lines[lines.length - 1]).toBe('[50 rows x 30 columns]');
  });

  test('bad columns', () => {
    expect(() => new Table({ a: [1, 2], b: [1] })).toThrow(ShapeError);
    expect(() => new Table({ a: [1, 'x'] as unknown as number[] })).toThrow("column 'a' mixes numbers and strings");
    expect(() => t().column('z')).toThrow("no column 'z'; the columns are ['x', 'label', 'y']");
    expect(() => t().drop(['z'])).toThrow("no column 'z'");
    expect(() => t().take([4])).toThrow('row position 4 is out of range for a table of 4 rows');
  });
});
