// SPDX-License-Identifier: MIT
// Atomic replacement: a save that fails part-way (a throwing producer, a disk error, a
// disposed tensor) leaves the previous file byte-identical and no temporary file behind; a
// save that succeeds flushes the file and its directory and keeps the file's permissions.
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';
import { load, save, saveBuffer, saveNpy } from '../../lib/io';
import { atomicWriteFile } from '../../lib/io/atomic-write';
import { flatValues, strayFiles, tempDir } from './helpers';

const root = tempDir();
let dir: string;
let counter = 0;

beforeEach(() => {
  dir = path.join(root, `case-${counter++}`);
  fs.mkdirSync(dir);
});

afterEach(() => jest.restoreAllMocks());

/** A target file holding a known previous state dict. */
function previousFile(name = 'model.safetensors'): { file: string; before: Buffer } {
  const file = path.join(dir, name);
  save({ w: kiln.tensor([1, 2, 3]) }, file);
  return { file, before: fs.readFileSync(file) };
}

test('a producer that throws mid-write leaves the old file and no temporary file', () => {
  const { file, before } = previousFile();
  expect(() =>
    atomicWriteFile(file, (write) => {
      write(Buffer.from('half of a new file'));
      throw new Error('producer failed');
    }),
  ).toThrow('producer failed');
  expect(fs.readFileSync(file)).toEqual(before);
  expect(strayFiles(dir, 'model.safetensors')).toEqual([]);
});

test('a disk error on the second write leaves the old file and no temporary file', () => {
  const { file, before } = previousFile();
  const real = fs.writeSync;
  let calls = 0;
  jest.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
    if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (real as (...a: unknown[]) => number)(...args);
  }) as typeof fs.writeSync);
  expect(() => save({ a: kiln.ones([1000]), b: kiln.zeros([10]) }, file)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
  expect(calls).toBe(2); // the header went out, the first tensor's data failed
  expect(fs.readFileSync(file)).toEqual(before);
  expect(strayFiles(dir, 'model.safetensors')).toEqual([]);
});

test('a failing rename leaves the old file and no temporary file', () => {
  const { file, before } = previousFile();
  jest.spyOn(fs, 'renameSync').mockImplementation(() => {
    throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
  });
  expect(() => save({ w: kiln.tensor([9]) }, file)).toThrow('EXDEV');
  expect(fs.readFileSync(file)).toEqual(before);
  expect(strayFiles(dir, 'model.safetensors')).toEqual([]);
});

test('a state dict with a disposed tensor fails without touching the old file', () => {
  const { file, before } = previousFile();
  const gone = kiln.tensor([4, 5]);
  gone.dispose();
  expect(() => save({ ok: kiln.tensor([1]), gone }, file)).toThrow(kiln.DisposedTensorError);
  expect(fs.readFileSync(file)).toEqual(before);
  expect(strayFiles(dir, 'model.safetensors')).toEqual([]);
});

test('saveNpy replaces atomically too', () => {
  const file = path.join(dir, 'x.npy');
  saveNpy(kiln.tensor([1, 2]), file);
  const before = fs.readFileSync(file);
  const gone = kiln.tensor([3]);
  gone.dispose();
  expect(() => saveNpy(gone, file)).toThrow(kiln.DisposedTensorError);
  expect(fs.readFileSync(file)).toEqual(before);
  expect(strayFiles(dir, 'x.npy')).toEqual([]);
});

test('a successful save writes a temporary file beside the target, flushes it, renames it, flushes the folder', () => {
  const { file } = previousFile();
  const fsyncs = jest.spyOn(fs, 'fsyncSync');
  const renames = jest.spyOn(fs, 'renameSync');
  const opens = jest.spyOn(fs, 'openSync');
  save({ w: kiln.tensor([7, 8]) }, file);
  expect(renames).toHaveBeenCalledTimes(1);
  const [from, to] = renames.mock.calls[0] as [string, string];
  expect(path.dirname(from)).toBe(fs.realpathSync(dir));
  expect(to).toBe(fs.realpathSync(file));
  expect(fsyncs).toHaveBeenCalledTimes(2); // the file, then the folder
  expect(opens.mock.calls.map((c) => c[0])).toEqual([from, path.dirname(to)]);
  expect(flatValues(load(file).w)).toEqual([7, 8]);
  expect(strayFiles(dir, 'model.safetensors')).toEqual([]);
});

test('a new file is created where none was, with the default permissions', () => {
  const file = path.join(dir, 'fresh.safetensors');
  save({ w: kiln.tensor([1]) }, file);
  expect(fs.readFileSync(file)).toEqual(saveBuffer({ w: kiln.tensor([1]) }));
  const umask = process.umask();
  expect(fs.statSync(file).mode & 0o777).toBe(0o666 & ~umask);
});

(process.platform === 'win32' ? test.skip : test)('replacing a file keeps its permissions', () => {
  const { file } = previousFile();
  fs.chmodSync(file, 0o600);
  save({ w: kiln.tensor([2]) }, file);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
});

(process.platform === 'win32' ? test.skip : test)('saving through a symlink replaces the file it points to and keeps the link', () => {
  const { file } = previousFile('real.safetensors');
  const link = path.join(dir, 'link.safetensors');
  fs.symlinkSync(file, link);
  save({ w: kiln.tensor([5]) }, link);
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(flatValues(load(file).w)).toEqual([5]);
});

test('a missing folder surfaces as the file system error', () => {
  expect(() => save({}, path.join(dir, 'no', 'such', 'dir.safetensors'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
});
