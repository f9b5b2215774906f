// SPDX-License-Identifier: MIT
/**
 * Input a user can get wrong: each case prints one line naming the problem (and how to fix it),
 * exits with 2, and leaves the output folder of an earlier good run exactly as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';
import { main } from '../../lib/cli/program';
import { captureIO, snapshotDir, tempDir, writeCsv } from './helpers';

const dir = tempDir('bad-input');
const out = path.join(dir, 'out');
let before: Map<string, Buffer>;

beforeAll(async () => {
  const io = captureIO();
  const code = await main(['train', '--data', 'iris', '--epochs', '3', '--no-plots', '--out', out], io);
  expect(code).toBe(0);
  before = snapshotDir(out);
  expect(before.has('model.safetensors')).toBe(true);
});

const goodRows = [
  [1.0, 2.0, 'a'],
  [1.5, 2.5, 'b'],
  [2.0, 1.0, 'a'],
];

const cases: [string, () => string[], RegExp][] = [
  ['a missing file', () => ['train', '--data', path.join(dir, 'nope.csv'), '--target', 'y'], /no such file: .*nope\.csv/],
  [
    'a CSV without the target column',
    () => ['train', '--data', writeCsv(path.join(dir, 'no-target.csv'), ['x1', 'x2', 'label'], goodRows), '--target', 'y'],
    /the CSV has no column 'y' to predict \(columns: x1, x2, label\)/,
  ],
  [
    'a non-numeric feature column',
    () => [
      'train',
      '--data',
      writeCsv(path.join(dir, 'text-feature.csv'), ['x1', 'color', 'label'], [
        [1, 2, 0],
        [2, 'red', 1],
        [3, 4, 0],
      ]),
      '--target',
      'label',
    ],
    /feature column 'color' of .* is not numeric \(e\.g\. 'red' on line 3\); encode it as numbers .* or remove the column/,
  ],
  [
    'a target with a single class',
    () => ['train', '--data', writeCsv(path.join(dir, 'one-class.csv'), ['x1', 'label'], [[1, 'yes'], [2, 'yes'], [3, 'yes']]), '--target', 'label'],
    /target 'label' has a single class \('yes'\); a classifier needs at least two classes/,
  ],
  ['--device cuda where no GPU is present', () => ['train', '--data', 'iris', '--device', 'cuda'], /--device cuda: no CUDA device is available here .*use --device cpu/],
  ['a malformed option value', () => ['train', '--epochs', 'many'], /--epochs must be an integer >= 1, got 'many'/],
  ['bad hidden sizes', () => ['train', '--hidden', '64,-1'], /--hidden takes positive layer widths/],
  ['predict with a folder that holds no model', () => ['predict', '--model', dir, '--data', 'x.csv'], /is not a saved kiln model/],
];

describe.each(cases)('%s', (_name, args, message) => {
  const gpu = kiln.cuda.isAvailable();
  const runIt = _name.startsWith('--device') && gpu ? test.skip : test;
  runIt('prints one line, exits 2, and leaves the previous output untouched', async () => {
    const io = captureIO();
    const code = await main([...args(), ...(args()[0] === 'train' ? ['--out', out] : [])], io);
    expect(code).toBe(2);
    const err = io.stderr().trimEnd();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
    expect(snapshotDir(out)).toEqual(before);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });
});

test('--help describes every train option', async () => {
  const io = captureIO();
  expect(await main(['train', '--help'], io)).toBe(0);
  for (const flag of ['--data', '--target', '--task', '--model', '--hidden', '--epochs', '--lr', '--batch-size', '--device', '--seed', '--out', '--tune'])
    expect(io.stdout()).toContain(flag);
});
