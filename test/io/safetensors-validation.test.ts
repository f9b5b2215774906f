// SPDX-License-Identifier: MIT
// Malformed safetensors input: every case throws a SerializationError that names the function,
// the source and what is wrong, without reading out of bounds or allocating what a bad header
// claims. Also the save side's argument checks.
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';
import { load, loadBuffer, save, saveBuffer } from '../../lib/io';
import { findDuplicateKey } from '../../lib/io/json-duplicate-keys';
import { leBytes, safetensorsBytes, tempDir, u64le } from './helpers';

const dir = tempDir();
const f32 = (name: string, shape: number[], begin: number, end: number) =>
  `"${name}":{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}`;

const BAD: Array<[string, Buffer, RegExp]> = [
  ['empty input', Buffer.alloc(0), /0 bytes, shorter than the 8-byte header length/],
  ['shorter than 8 bytes', Buffer.from([1, 0, 0]), /3 bytes, shorter than the 8-byte header length/],
  ['header length past the end', Buffer.concat([u64le(100), Buffer.from('{}      ')]), /header length 100 runs past the end of the input \(16 bytes/],
  ['an absurd header length', Buffer.concat([u64le(2n ** 63n), Buffer.from('{}')]), /header length 9223372036854775808 is larger than the 100000000-byte limit/],
  ['header not UTF-8', Buffer.concat([u64le(2), Buffer.from([0xff, 0xfe])]), /not valid UTF-8/],
  ['header not JSON', safetensorsBytes('{"a":'), /not valid JSON/],
  ['header a JSON array', safetensorsBytes('[1,2]'), /must be a JSON object, got an array/],
  ['header JSON null', safetensorsBytes('null'), /must be a JSON object, got null/],
  ['an entry that is not an object', safetensorsBytes('{"a":5}'), /entry of tensor "a" must be an object.*got number 5/],
  ['an entry without data_offsets', safetensorsBytes('{"a":{"dtype":"F32","shape":[1]}}'), /tensor "a" has no "data_offsets" field/],
  ['an entry without dtype', safetensorsBytes('{"a":{"shape":[1],"data_offsets":[0,4]}}'), /tensor "a" has no "dtype" field/],
  ['an unknown dtype', safetensorsBytes('{"a":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}}', Buffer.alloc(4)), /unknown dtype "F17"; the format defines BOOL, U8/],
  ['a dtype kiln lacks', safetensorsBytes('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', Buffer.alloc(4)), /dtype F16, which kiln does not support \(kiln loads F32, F64, I32, I64, BOOL\)/],
  ['a negative dim', safetensorsBytes(`{${f32('a', [-1], 0, 4)}}`, Buffer.alloc(4)), /tensor "a" has an invalid shape \[-1\]/],
  ['a fractional dim', safetensorsBytes(`{${f32('a', [1.5] as number[], 0, 4)}}`, Buffer.alloc(4)), /invalid shape \[1.5\]/],
  ['a shape that is not a list', safetensorsBytes('{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}', Buffer.alloc(8)), /invalid shape "2"/],
  ['one data offset', safetensorsBytes('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', Buffer.alloc(4)), /invalid data_offsets \[0\]/],
  ['reversed data offsets', safetensorsBytes(`{${f32('a', [1], 8, 4)}}`, Buffer.alloc(8)), /invalid data_offsets \[8,4\]/],
  ['an offset beyond 2^53', safetensorsBytes('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}'), /invalid data_offsets/],
  ['a size that does not match the shape', safetensorsBytes(`{${f32('a', [2, 3], 0, 20)}}`, Buffer.alloc(20)), /tensor "a" \(F32, shape \[2, 3\]\) needs 24 bytes, but its data_offsets \[0, 20\] hold 20/],
  ['a shape whose size overflows', safetensorsBytes(`{${f32('a', [2 ** 40, 2 ** 40, 2 ** 40], 0, 4)}}`, Buffer.alloc(4)), /needs .* bytes, but its data_offsets \[0, 4\] hold 4/],
  ['offsets past the data buffer', safetensorsBytes(`{${f32('a', [2], 0, 8)}}`, Buffer.alloc(4)), /data_offsets \[0, 8\] of tensor "a" run past the end of the 4-byte data buffer/],
  ['overlapping tensors', safetensorsBytes(`{${f32('a', [2], 0, 8)},${f32('b', [2], 4, 12)}}`, Buffer.alloc(12)), /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/],
  ['a hole between tensors', safetensorsBytes(`{${f32('a', [1], 0, 4)},${f32('b', [1], 8, 12)}}`, Buffer.alloc(12)), /bytes \[4, 8\) of the data buffer belong to no tensor/],
  ['a hole at the start', safetensorsBytes(`{${f32('a', [1], 4, 8)}}`, Buffer.alloc(8)), /bytes \[0, 4\) of the data buffer belong to no tensor/],
  ['bytes after the last tensor', safetensorsBytes(`{${f32('a', [1], 0, 4)}}`, Buffer.alloc(8)), /the last 4 bytes of the 8-byte data buffer belong to no tensor/],
  ['data with no tensors', safetensorsBytes('{}', Buffer.alloc(8)), /the last 8 bytes/],
  ['a repeated tensor name', safetensorsBytes(`{${f32('a', [1], 0, 4)},${f32('a', [1], 0, 4)}}`, Buffer.alloc(4)), /lists the key "a" more than once/],
  ['a repeated name written with an escape', safetensorsBytes(`{${f32('a', [1], 0, 4)},${f32('\\u0061', [1], 0, 4)}}`, Buffer.alloc(4)), /key "a" more than once/],
  ['metadata values that are not strings', safetensorsBytes('{"__metadata__":{"epoch":3}}'), /"__metadata__" must map strings to strings, but "epoch" holds number 3/],
  ['metadata that is not an object', safetensorsBytes('{"__metadata__":"x"}'), /"__metadata__" must be an object of strings/],
];

describe('loadBuffer rejects malformed input with a SerializationError', () => {
  test.each(BAD)('%s', (_name, bytes, message) => {
    let error: unknown;
    try {
      loadBuffer(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(kiln.SerializationError);
    expect((error as Error).message).toMatch(/^loadBuffer: buffer: /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('load reads files with the same checks', () => {
  test.each(BAD.filter((_, i) => i % 4 === 0))('%s', (name, bytes, message) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.safetensors`);
    fs.writeFileSync(file, bytes);
    expect(() => load(file)).toThrow(kiln.SerializationError);
    expect(() => load(file)).toThrow(message);
    expect(() => load(file)).toThrow(`load: ${file}: `);
  });

  test('a missing file surfaces as the file system error', () => {
    expect(() => load(path.join(dir, 'nope.safetensors'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  test('a failed load leaves no tensor behind', () => {
    const bytes = safetensorsBytes(`{${f32('a', [1], 0, 4)},"b":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}}`, leBytes('f4', [1, 2]));
    const before = kiln.memory().tensors;
    expect(() => loadBuffer(bytes)).toThrow(kiln.SerializationError);
    expect(kiln.memory().tensors).toBe(before);
  });

  test('zero-size tensors may share an offset, and a valid file with unusual spacing loads', () => {
    const bytes = safetensorsBytes(
      ` { "e" : {"dtype":"I64","shape":[0,5],"data_offsets":[0,0]}, ${f32('a', [1], 0, 4)}, "z":{"data_offsets":[4,4],"shape":[0],"dtype":"BOOL"} } `,
      leBytes('f4', [7]),
    );
    const out = loadBuffer(bytes);
    expect(Object.keys(out).sort()).toEqual(['a', 'e', 'z']);
    expect(out.e.shape).toEqual([0, 5]);
    expect(out.a.item()).toBe(7);
  });
});

describe('save checks its arguments before writing anything', () => {
  const file = path.join(dir, 'never.safetensors');
  const cases: Array<[string, () => void, new (m: string) => Error, RegExp]> = [
    ['a number instead of a state dict', () => save(3 as never, file), kiln.SerializationError, /save: expected a state dict .* got number/],
    ['the model itself', () => save(new kiln.nn.Linear(2, 2) as never, file), kiln.SerializationError, /pass model.stateDict\(\), not the model/],
    ['a value that is not a tensor', () => save({ w: [1, 2] } as never, file), kiln.SerializationError, /the value under "w" must be a Tensor, got Array/],
    ['a non-string Map key', () => save(new Map([[1 as never, kiln.tensor([1])]]), file), kiln.SerializationError, /keys must be strings, got number 1/],
    ['the reserved name __metadata__', () => save({ __metadata__: kiln.tensor([1]) }, file), kiln.SerializationError, /"__metadata__" is reserved/],
    ['metadata that is not str -> str', () => save({}, file, { metadata: { epoch: 3 as never } }), kiln.SerializationError, /metadata values must be strings .* "epoch" is number/],
    [
      'a disposed tensor',
      () => {
        const t = kiln.tensor([1, 2]);
        t.dispose();
        save({ w: t }, file);
      },
      kiln.DisposedTensorError,
      /save: the tensor under "w" \(shape \[2\], float32\) was disposed/,
    ],
  ];
  test.each(cases)('%s', (_name, act, Kind, message) => {
    expect(act).toThrow(Kind);
    expect(act).toThrow(message);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('never'))).toEqual([]);
  });

  test('saveBuffer names itself in errors', () => {
    expect(() => saveBuffer(null as never)).toThrow(/^saveBuffer: expected a state dict/);
  });
});

describe('findDuplicateKey', () => {
  test.each([
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', 'a'],
    ['{"a":{"x":1},"b":{"x":2}}', undefined], // the same key in different objects is fine
    ['{"a":{"x":1,"y":{"x":0},"x":2}}', 'x'],
    ['{"k":"a\\":{","a":1,"b":["a","a"]}', undefined], // quotes, colons and braces inside strings
    ['{"\\u00e9":1,"\u00e9":2}', '\u00e9'],
    ['[{"a":1},{"a":1}]', undefined],
  ])('%s -> %s', (text, expected) => {
    JSON.parse(text); // the scan expects valid JSON
    expect(findDuplicateKey(text)).toBe(expected);
  });
});
