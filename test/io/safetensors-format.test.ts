// SPDX-License-Identifier: MIT
// The safetensors writer against the format's specification, byte for byte (hand-assembled
// expected bytes), and round trips of every dtype and layout through files and buffers.
import fs from 'node:fs';
import path from 'node:path';
import * as kiln from '../../lib';
import { load, loadBuffer, loadBufferWithMetadata, loadMetadata, loadWithMetadata, save, saveBuffer } from '../../lib/io';
import { flatValues, leBytes, safetensorsBytes, tempDir, u64le } from './helpers';

const dir = tempDir();

describe('bytes as the specification lays them out', () => {
  test('one float32 tensor: length field, compact JSON, little-endian data', () => {
    const t = kiln.tensor([0, 1, 2, 3, 4, 5]).reshape([1, 2, 3]);
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'; // 64 bytes: no padding
    const expected = Buffer.concat([Buffer.from([64, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(json), leBytes('f4', [0, 1, 2, 3, 4, 5])]);
    expect(saveBuffer({ 'attn.0': t })).toEqual(expected);
  });

  test('the header is padded with spaces so the data starts 8-byte aligned', () => {
    const out = saveBuffer({ attn0: kiln.tensor([0, 1, 2, 3, 4, 5]).reshape([1, 1, 2, 3]) });
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}'; // 65 bytes
    expect(out.subarray(0, 8)).toEqual(Buffer.from([72, 0, 0, 0, 0, 0, 0, 0]));
    expect(out.subarray(8, 80).toString('latin1')).toBe(`${json}       `);
    expect(out.subarray(80)).toEqual(leBytes('f4', [0, 1, 2, 3, 4, 5]));
  });

  test('an empty state dict, without and with metadata', () => {
    expect(saveBuffer({})).toEqual(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]));
    const withMeta = saveBuffer({}, { metadata: { framework: 'pt' } });
    expect(withMeta).toEqual(Buffer.concat([u64le(40), Buffer.from('{"__metadata__":{"framework":"pt"}}     ')]));
  });

  test('tensors are laid out by dtype (I64, F64, F32, I32, BOOL) then by name, metadata first', () => {
    const out = saveBuffer(
      {
        m: kiln.tensor([true, false, true]),
        i: kiln.tensor([7], { dtype: 'int32' }),
        'b.2': kiln.tensor([2]),
        'b.10': kiln.tensor([10]),
        d: kiln.tensor([0.5], { dtype: 'float64' }),
        l: kiln.tensor([-3n]),
      },
      { metadata: { z: '1', a: '2' } },
    );
    const json =
      '{"__metadata__":{"z":"1","a":"2"},' +
      '"l":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
      '"d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},' +
      '"b.10":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
      '"b.2":{"dtype":"F32","shape":[1],"data_offsets":[20,24]},' +
      '"i":{"dtype":"I32","shape":[1],"data_offsets":[24,28]},' +
      '"m":{"dtype":"BOOL","shape":[3],"data_offsets":[28,31]}}';
    const data = Buffer.concat([leBytes('i8', [-3n]), leBytes('f8', [0.5]), leBytes('f4', [10, 2]), leBytes('i4', [7]), Buffer.from([1, 0, 1])]);
    expect(out).toEqual(safetensorsBytes(json, data));
  });

  test('names sort by their UTF-8 bytes, as the reference library (Rust) compares strings', () => {
    // UTF-16 order would put U+1F600 (a surrogate pair, 0xD83D...) before U+FB01.
    const names = ['\u{1F600}', '\uFB01', '\u00E9', 'z'];
    const out = saveBuffer(Object.fromEntries(names.map((n, i) => [n, kiln.tensor([i])])));
    const n = Number(out.readBigUInt64LE(0));
    const header = out.subarray(8, 8 + n).toString('utf8');
    const order = names.slice().sort((a, b) => header.indexOf(`"${a}"`) - header.indexOf(`"${b}"`));
    expect(order).toEqual(['z', '\u00E9', '\uFB01', '\u{1F600}']);
    expect(header).toContain('"\u00E9":'); // non-ASCII is written as UTF-8, not \u-escaped
  });

  test('integer-like names keep their sorted place (a JS object would move them first)', () => {
    const out = saveBuffer(new Map([['b', kiln.tensor([1])], ['10', kiln.tensor([2])], ['2', kiln.tensor([3])]]));
    const header = out.subarray(8, 8 + Number(out.readBigUInt64LE(0))).toString();
    expect(header.indexOf('"10"')).toBeLessThan(header.indexOf('"2"'));
    expect(header.indexOf('"2"')).toBeLessThan(header.indexOf('"b"'));
  });
});

describe('round trips', () => {
  const cases: Array<[string, () => kiln.Tensor]> = [
    ['float32 with NaN, infinities, -0 and a subnormal', () => kiln.tensor(new Float32Array([NaN, Infinity, -Infinity, -0, 1e-45, 3.4e38]))],
    ['float64 extremes', () => kiln.tensor(new Float64Array([Number.MAX_VALUE, Number.MIN_VALUE, -0, NaN, 1 / 3]))],
    ['int32 limits', () => kiln.tensor(new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, -1]))],
    ['int64 limits', () => kiln.tensor(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]))],
    ['bool', () => kiln.tensor([[true, false], [false, true]])],
    ['0-d', () => kiln.tensor(2.5, { dtype: 'float64' })],
    ['empty [0]', () => kiln.zeros([0], { dtype: 'int32' })],
    ['empty [2, 0, 3]', () => kiln.zeros([2, 0, 3])],
    ['a transposed view', () => kiln.arange(12).reshape([3, 4]).t()],
    ['a narrowed view', () => kiln.arange(20, { dtype: 'float64' }).reshape([4, 5]).narrow(1, 1, 3)],
    ['an expanded view (stride 0)', () => kiln.tensor([1, 2, 3]).expand([2, 3])],
  ];

  test.each(cases)('%s: same dtype, shape and bytes', (_name, make) => {
    const t = make();
    const back = loadBuffer(saveBuffer({ t })).t;
    expect(back.dtype).toBe(t.dtype);
    expect(back.shape).toEqual(t.shape);
    expect(back.stride()).toEqual(kiln.empty(t.shape).stride());
    const bytes = (x: kiln.Tensor) => Buffer.from(x.contiguous().data().buffer, x.contiguous().data().byteOffset, x.numel() * x.elementSize());
    expect(bytes(back)).toEqual(bytes(t));
  });

  test('a non-contiguous tensor is stored contiguously: the header shape and data are row-major', () => {
    const t = kiln.tensor([[1, 2], [3, 4]]).t(); // [[1, 3], [2, 4]]
    const out = saveBuffer({ t });
    expect(out.subarray(out.length - 16)).toEqual(leBytes('f4', [1, 3, 2, 4]));
  });

  test('a large-ish tensor through a file (4 MiB)', () => {
    const n = 1 << 20;
    const t = kiln.arange(n).mul(0.5).sub(7);
    const file = path.join(dir, 'large.safetensors');
    save({ big: t, small: kiln.tensor([1n]) }, file);
    expect(fs.statSync(file).size).toBe(8 + 128 + 4 * n + 8); // header padded to 128 here
    const back = load(file).big;
    expect(Buffer.compare(Buffer.from(back.data().buffer, 0, 4 * n), Buffer.from(t.data().buffer, 0, 4 * n))).toBe(0);
    expect(flatValues(back.narrow(0, n - 2, 2))).toEqual([(n - 2) / 2 - 7, (n - 1) / 2 - 7]);
  });

  test('files and buffers agree, and metadata comes back', () => {
    const sd = { w: kiln.tensor([[1, 2, 3]]), n: kiln.tensor([4n, 5n]) };
    const file = path.join(dir, 'meta.safetensors');
    save(sd, file, { metadata: { format: 'pt', note: 'h\u00E9llo "quoted"\n' } });
    expect(fs.readFileSync(file)).toEqual(saveBuffer(sd, { metadata: { format: 'pt', note: 'h\u00E9llo "quoted"\n' } }));
    const { tensors, metadata } = loadWithMetadata(file);
    expect(metadata).toEqual({ format: 'pt', note: 'h\u00E9llo "quoted"\n' });
    expect(loadMetadata(file)).toEqual(metadata);
    expect(Object.keys(tensors)).toEqual(['n', 'w']); // data order: I64 first
    expect(flatValues(tensors.w)).toEqual([1, 2, 3]);
    expect(loadBufferWithMetadata(saveBuffer(sd)).metadata).toBeUndefined();
  });

  test('a Map is accepted, and odd names such as __proto__ stay ordinary keys of a plain record', () => {
    const back = loadBuffer(saveBuffer(new Map([['__proto__', kiln.tensor([1])], ['constructor', kiln.tensor([2])]])));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back).sort()).toEqual(['__proto__', 'constructor']);
    expect(flatValues(back['__proto__'])).toEqual([1]);
  });

  test('an ArrayBuffer is accepted as input', () => {
    const bytes = saveBuffer({ x: kiln.tensor([3]) });
    const ab = new Uint8Array(bytes).buffer; // a copy: exactly the file's bytes
    expect(flatValues(loadBuffer(ab).x)).toEqual([3]);
  });

  test('bool bytes other than 0/1 in a file load as true, stored as 1', () => {
    const file = safetensorsBytes('{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}', Buffer.from([0, 2, 255]));
    const m = loadBuffer(file).m;
    expect(Array.from(m.data() as Uint8Array)).toEqual([0, 1, 1]);
  });

  test("model.loadStateDict(load(path)) restores a model's parameters", () => {
    kiln.manualSeed(1);
    const a = new kiln.nn.Sequential(new kiln.nn.Linear(3, 4), new kiln.nn.ReLU(), new kiln.nn.Linear(4, 2));
    const b = new kiln.nn.Sequential(new kiln.nn.Linear(3, 4), new kiln.nn.ReLU(), new kiln.nn.Linear(4, 2));
    const file = path.join(dir, 'model.safetensors');
    save(a.stateDict(), file);
    const x = kiln.tensor([[0.1, -0.2, 0.3]]);
    expect(flatValues(b.call(x))).not.toEqual(flatValues(a.call(x)));
    expect(b.loadStateDict(load(file))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(flatValues(b.call(x))).toEqual(flatValues(a.call(x)));
  });

  test('loaded tensors are ordinary leaves that survive kiln.scope when returned', () => {
    const bytes = saveBuffer({ x: kiln.tensor([1, 2]) });
    const loaded = kiln.scope(() => loadBuffer(bytes));
    expect(loaded.x.isDisposed).toBe(false);
    expect(loaded.x.requiresGrad).toBe(false);
  });
});

describe('devices', () => {
  test("{device: 'cpu'} loads on the CPU", () => {
    const t = loadBuffer(saveBuffer({ x: kiln.tensor([1]) }), { device: 'cpu' }).x;
    expect(t.device.toString()).toBe('cpu');
  });

  const noCuda = !kiln.cuda.isAvailable();
  (noCuda ? test : test.skip)("{device: 'cuda'} without a GPU throws DeviceError and frees what it read", () => {
    const bytes = saveBuffer({ x: kiln.tensor([1, 2]), y: kiln.tensor([3]) });
    const before = kiln.memory().tensors;
    expect(() => loadBuffer(bytes, { device: 'cuda' })).toThrow(kiln.DeviceError);
    expect(kiln.memory().tensors).toBe(before);
  });

  (noCuda ? test.skip : test)("{device: 'cuda'} puts every tensor on the GPU", () => {
    const loaded = loadBuffer(saveBuffer({ x: kiln.tensor([1, 2]) }), { device: 'cuda' });
    expect(loaded.x.device.type).toBe('cuda');
    expect(flatValues(loaded.x.cpu())).toEqual([1, 2]);
  });

  test('an unknown device string throws before anything is read', () => {
    expect(() => loadBuffer(saveBuffer({}), { device: 'tpu' })).toThrow(kiln.DeviceError);
  });
});
